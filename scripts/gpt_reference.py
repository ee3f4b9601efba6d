"""Writes test/fixtures/gpt/reference.json: a small GPT in PyTorch, nanoGPT's architecture, checked by test/gpt-pytorch.test.ts.

Run with Debian's PyTorch 1.13 (apt install python3-torch): /usr/bin/python3 scripts/gpt_reference.py
Not needed by CI: the fixture is committed.

For each case (norm "pre" or "post", with and without biases; dropout 0), in float64:
  - init: the parameters after torch.manual_seed(1337); GPT(config) with nanoGPT's init (float32), for GPT.create;
  - weights: that init plus noise (so that biases and LayerNorm gains are not 0 and 1), the model's weights;
  - a batch of tokens and targets, the logits, the loss, every parameter's gradient;
  - the gradient norm before clipping, and every parameter after one AdamW step with clipping and weight decay
    (two groups, as nanoGPT's configure_optimizers: weight decay on tensors of 2 or more dimensions only).
The model differs from nanoGPT's model.py in one respect, by the project's design: GELU is the tanh approximation
(GPT-2's), and norm "post" puts each LayerNorm after its residual add.
"""
import json
import os

import torch

from torch_gpt import GPT

VOCAB, BLOCK, LAYERS, HEADS, WIDTH, BATCH = 11, 8, 2, 2, 8, 2
ADAMW = {"lr": 0.01, "betas": [0.9, 0.99], "eps": 1e-8, "weightDecay": 0.1, "maxNorm": 0.5}


def flat(t):
    return t.detach().reshape(-1).tolist()


def case(norm, bias, with_init):
    config = {"vocabSize": VOCAB, "blockSize": BLOCK, "nLayer": LAYERS, "nHead": HEADS, "nEmbd": WIDTH, "dropout": 0, "bias": bias, "norm": norm}
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
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": ADAMW["weightDecay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=ADAMW["lr"], betas=tuple(ADAMW["betas"]), eps=ADAMW["eps"],
    )
    norm_before = torch.nn.utils.clip_grad_norm_(model.parameters(), ADAMW["maxNorm"]).item()
    optimizer.step()
    after = {n: flat(p) for n, p in model.named_parameters()}
    result = {
        "config": config, "batch": BATCH, "time": BLOCK, "tokens": flat(tokens), "targets": flat(targets),
        "weights": weights, "logits": flat(logits), "loss": loss.item(), "grads": grads,
        "gradNorm": norm_before, "after": after,
    }
    if with_init:
        result["init"] = init
    return result


def main():
    cases = [case("pre", True, True), case("pre", False, True), case("post", True, False), case("post", False, False)]
    fixture = {
        "source": f"scripts/gpt_reference.py, PyTorch {torch.__version__}, float64 (init: float32)",
        "adamw": ADAMW, "initSeed": 1337, "cases": cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "gpt", "reference.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}: {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
