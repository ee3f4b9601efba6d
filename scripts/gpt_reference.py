"""Writes the float64 PyTorch fixtures the GPT is checked against: test/fixtures/gpt/reference.json (nanoGPT's
model, test/gpt-pytorch.test.ts) and test/fixtures/gpt/mixtures.json (mixtures of heads and of experts).

Run with Debian's PyTorch 1.13 (apt install python3-torch): /usr/bin/python3 scripts/gpt_reference.py
Not needed by CI: the fixtures are committed. They were made with OpenBLAS (apt install libopenblas0-pthread), with
which the same command rewrites them byte for byte; Debian's reference BLAS rounds some last bits differently.

The model is python/thelittlebaby_torch.py's GPT. For each case (dropout 0), in float64:
  - init: the parameters after torch.manual_seed(1337); GPT(config) with nanoGPT's init (float32), for GPT.create;
  - weights: that init plus noise (so that biases and LayerNorm gains are not 0 and 1), the model's weights;
  - a batch of tokens and targets, the logits, the loss (the cross-entropy), every parameter's gradient;
  - the gradient norm before clipping, and every parameter after one AdamW step with clipping and weight decay
    (two groups, as nanoGPT's configure_optimizers: weight decay on tensors of 2 or more dimensions only).
reference.json: norm "pre" and "post", with and without biases. mixtures.json: attention "moh" and network "moe"
(dense, and top-k, whose cases also hold auxLoss, the load-balancing loss, and the gradients are those of
loss + auxLossWeight * auxLoss; routes are each top-k layer's experts per token, best first, and routingGap the
smallest margin between a token's k-th and (k+1)-th gate logit, so that no choice is a near tie).
"""
import json
import os
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))
from thelittlebaby_torch import GPT  # noqa: E402

VOCAB, BLOCK, LAYERS, HEADS, WIDTH, BATCH = 11, 8, 2, 2, 8, 2
ADAMW = {"lr": 0.01, "betas": [0.9, 0.99], "eps": 1e-8, "weightDecay": 0.1, "maxNorm": 0.5}


def flat(t):
    return t.detach().reshape(-1).tolist()


def case(config, with_init):
    torch.manual_seed(1337)
    model = GPT(config)
    init = {n: flat(p) for n, p in model.named_parameters()}
    model = model.double()
    noise = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=noise, dtype=torch.float64))
    weights = {n: {"shape": list(p.shape), "data": flat(p)} for n, p in model.named_parameters()}
    tokens = torch.randint(0, VOCAB, (BATCH, BLOCK), generator=noise)
    targets = torch.randint(0, VOCAB, (BATCH, BLOCK), generator=noise)
    logits, loss = model(tokens, targets)
    loss.backward()
    grads = {n: flat(p.grad) for n, p in model.named_parameters()}
    optimizer = model.configure_optimizers(ADAMW["weightDecay"], ADAMW["lr"], tuple(ADAMW["betas"]), ADAMW["eps"])
    norm_before = torch.nn.utils.clip_grad_norm_(model.parameters(), ADAMW["maxNorm"]).item()
    optimizer.step()
    after = {n: flat(p) for n, p in model.named_parameters()}
    result = {
        "config": config, "batch": BATCH, "time": BLOCK, "tokens": flat(tokens), "targets": flat(targets),
        "weights": weights, "logits": flat(logits), "loss": model.ce_loss.item(), "grads": grads,
        "gradNorm": norm_before, "after": after,
    }
    if model.aux_loss is not None:
        result["auxLoss"] = model.aux_loss.item()
        result["routes"] = [flat(block.mlp.routes) for block in model.transformer.h]
        result["routingGap"] = routing_gap(model, tokens)
    if with_init:
        result["init"] = init
    return result


def routing_gap(model, tokens):
    """The smallest gap, over the top-k layers and tokens, between the k-th and (k+1)-th largest gate logit."""
    gaps, k = [], model.config.expert_top_k
    handles = [block.mlp.gate.register_forward_hook(lambda m, i, z: gaps.append(z.detach())) for block in model.transformer.h]
    with torch.no_grad():
        model(tokens)
    for h in handles:
        h.remove()
    if k == model.config.n_experts:
        return None
    return min(((z.sort(dim=-1, descending=True).values[:, k - 1] - z.sort(dim=-1, descending=True).values[:, k]).min().item()) for z in gaps)


def write(name, cases):
    fixture = {
        "source": f"scripts/gpt_reference.py, PyTorch {torch.__version__}, float64 (init: float32)",
        "adamw": ADAMW, "initSeed": 1337, "cases": cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "gpt", name)
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}: {len(cases)} cases, {os.path.getsize(path)} bytes")


def config(norm, bias, width=WIDTH, **options):
    return {"vocabSize": VOCAB, "blockSize": BLOCK, "nLayer": LAYERS, "nHead": HEADS, "nEmbd": width, "dropout": 0, "bias": bias,
            "norm": norm, **options}


def main():
    write("reference.json", [case(config("pre", True), True), case(config("pre", False), True),
                             case(config("post", True), False), case(config("post", False), False)])
    # Width 4 keeps the file small: the experts are 4 -> 16 -> 4.
    moh = {"width": 4, "attention": "moh"}
    dense = {"width": 4, "network": "moe", "nExperts": 3}
    sparse = {"width": 4, "network": "moe", "nExperts": 4, "expertTopK": 2, "auxLossWeight": 0.01}
    both = {"width": 4, "attention": "moh", "network": "moe", "nExperts": 3, "expertTopK": 1, "auxLossWeight": 0.5}
    mixtures = [case(config("pre", True, **moh), True), case(config("pre", False, **moh), False),
                case(config("pre", True, **dense), True), case(config("pre", False, **dense), False),
                case(config("pre", True, **sparse), True), case(config("pre", False, **sparse), False),
                case(config("post", True, **both), True)]
    for c in mixtures:
        if c.get("routingGap") is not None and c["routingGap"] < 1e-6:
            sys.exit(f"a near tie in top-k routing ({c['routingGap']:.2e}) for {c['config']}: choose another seed")
    write("mixtures.json", mixtures)


if __name__ == "__main__":
    main()
