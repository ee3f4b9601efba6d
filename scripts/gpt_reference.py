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
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, BLOCK, LAYERS, HEADS, WIDTH, BATCH = 11, 8, 2, 2, 8, 2
ADAMW = {"lr": 0.01, "betas": [0.9, 0.99], "eps": 1e-8, "weightDecay": 0.1, "maxNorm": 0.5}


class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=c["bias"])
        self.n_head, self.n_embd = c["n_head"], c["n_embd"]
        self.register_buffer("mask", torch.tril(torch.ones(c["block_size"], c["block_size"])).view(1, 1, c["block_size"], c["block_size"]))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=c["bias"])
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=c["bias"])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = LayerNorm(c["n_embd"], c["bias"])
        self.attn = CausalSelfAttention(c)
        self.ln_2 = LayerNorm(c["n_embd"], c["bias"])
        self.mlp = MLP(c)
        self.pre = c["norm"] == "pre"

    def forward(self, x):
        if self.pre:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))
        x = self.ln_1(x + self.attn(x))
        return self.ln_2(x + self.mlp(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=LayerNorm(c["n_embd"], c["bias"]),
        ))
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c["n_layer"]))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def flat(t):
    return t.detach().reshape(-1).tolist()


def case(norm, bias, with_init):
    config = {"vocabSize": VOCAB, "blockSize": BLOCK, "nLayer": LAYERS, "nHead": HEADS, "nEmbd": WIDTH, "dropout": 0, "bias": bias, "norm": norm}
    c = {"vocab_size": VOCAB, "block_size": BLOCK, "n_layer": LAYERS, "n_head": HEADS, "n_embd": WIDTH, "bias": bias, "norm": norm}
    torch.manual_seed(1337)
    model = GPT(c)
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
