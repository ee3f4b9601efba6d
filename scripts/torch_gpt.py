"""The project's GPT in PyTorch: nanoGPT's architecture and parameter names, with TheLittleBaby's norm option.

The reference that the scripts and the benchmark compare the TypeScript lib with. Run by Debian's
/usr/bin/python3 (python3-torch 1.13); never imported by the lib or by CI.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias, as nanoGPT (PyTorch's own has no bias=False before 2.1)."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config["nHead"]
        self.n_embd = config["nEmbd"]
        self.c_attn = nn.Linear(self.n_embd, 3 * self.n_embd, bias=config["bias"])
        self.c_proj = nn.Linear(self.n_embd, self.n_embd, bias=config["bias"])
        self.attn_dropout = nn.Dropout(config["dropout"])
        self.resid_dropout = nn.Dropout(config["dropout"])
        block = config["blockSize"]
        # nanoGPT's name and shape for the causal mask, so that state_dict() is a nanoGPT (PyTorch < 2) state_dict
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        heads = lambda t: t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q, k, v = heads(q), heads(k), heads(v)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        C = config["nEmbd"]
        self.c_fc = nn.Linear(C, 4 * C, bias=config["bias"])
        self.c_proj = nn.Linear(4 * C, C, bias=config["bias"])
        self.dropout = nn.Dropout(config["dropout"])

    def forward(self, x):
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.pre = config.get("norm", "pre") == "pre"
        self.ln_1 = LayerNorm(config["nEmbd"], config["bias"])
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config["nEmbd"], config["bias"])
        self.mlp = MLP(config)

    def forward(self, x):
        if self.pre:  # GPT-2: normalise the input of each branch
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))
        x = self.ln_1(x + self.attn(x))  # the original Transformer: normalise after each residual add
        return self.ln_2(x + self.mlp(x))


class GPT(nn.Module):
    """config: the lib's GPTConfig as a dict (vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias, norm)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        C = config["nEmbd"]
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config["vocabSize"], C),
            wpe=nn.Embedding(config["blockSize"], C),
            drop=nn.Dropout(config["dropout"]),
            h=nn.ModuleList([Block(config) for _ in range(config["nLayer"])]),
            ln_f=LayerNorm(C, config["bias"]),
        ))
        self.lm_head = nn.Linear(C, config["vocabSize"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied, as nanoGPT
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config["nLayer"]))

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            torch.nn.init.zeros_(module.bias)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        pos = torch.arange(T, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    def optimizer(self, lr, weight_decay=0.1, betas=(0.9, 0.99), eps=1e-8):
        """AdamW with decay on 2-D parameters only, as nanoGPT's configure_optimizers."""
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)

    def state_tensors(self):
        """name -> tensor with nanoGPT's names, as the lib's checkpoints hold them: the tied head once, as
        transformer.wte.weight, and no causal-mask buffers."""
        return {name: p for name, p in self.state_dict().items() if name != "lm_head.weight" and not name.endswith(".attn.bias")}
