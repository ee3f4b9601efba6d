"""TheLittleBaby's GPT in PyTorch: nanoGPT's model with this project's options, and its .safetensors checkpoints.

One file, no package beyond PyTorch. Continue a checkpoint of the lib (or of `npm run train`) in PyTorch:

    import thelittlebaby_torch as tlb   # this file: put python/ on sys.path, or copy the file beside your script
    model = tlb.load("data/shakespeare-char.safetensors")
    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=1e-3)   # then nanoGPT's loop

and write it back for the lib with `tlb.save(model, "out/continued.safetensors")`. Generate in PyTorch:

    model.eval()
    idx = torch.tensor([model.tokenizer.encode("ROMEO:")])
    print(model.tokenizer.decode(model.generate(idx, 200, temperature=0.8, top_k=5)[0].tolist()))

Bring a nanoGPT run back: `tlb.save(tlb.load("out-shakespeare-char/ckpt.pt",
vocab="data/shakespeare_char/meta.pkl"), "nanogpt.safetensors")`, then `loadCheckpoint` in the lib.
`load` takes nanoGPT's ckpt.pt (model_args and model), a bare state_dict saved with torch.save (give n_head), or a
.safetensors file; its `lm_head.weight` (tied) and `attn.bias` causal masks are checked and dropped.

The model is nanoGPT's model.py (the same modules, parameter names and init, so `torch.manual_seed(s); GPT(c)` is the
lib's `GPT.create(c, { seed: s })`), with the lib's choices:
  - GELU is the tanh approximation (GPT-2's); nanoGPT's nn.GELU() is the exact form. A nanoGPT model brought here
    therefore computes slightly different logits (the two GELUs differ by less than 5e-4 at any input);
  - norm "pre" (GPT-2, nanoGPT) or "post" (the original Transformer: LayerNorm after each residual add);
  - attention "mha" (nanoGPT's) or "moh", a mixture of heads; network "mlp" (nanoGPT's) or "moe", a mixture of
    experts, dense or with top-k routing and a load-balancing loss (see MixtureOfHeadsAttention, MixtureOfExperts);
  - forward(idx) returns the logits at every position (nanoGPT returns only the last one when there are no targets).

The file format is read and written below in plain Python (struct and json), always, whether or not the
`safetensors` package is installed, with the layout of the reference writer and of the lib (lib/io/safetensors.ts):
a checkpoint saved here is byte for byte the file the lib's saveCheckpoint writes for the same weights. The format
functions (encode_safetensors, decode_safetensors, config_json) work without PyTorch.
"""
import json
import math
import pickle
import struct
import sys
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import Optional

try:
    import torch
    from torch import nn
    from torch.nn import functional as F

    _Module = nn.Module
except ImportError:  # the file format needs no PyTorch: encode_safetensors, decode_safetensors, config_json
    torch = None
    _Module = object

FORMAT = "thelittlebaby-gpt"
RESERVED_METADATA = ("format", "config", "vocab")


# ---------------------------------------------------------------- the config


@dataclass
class GPTConfig:
    """nanoGPT's GPTConfig (its names) with the lib's defaults (nanoGPT's CPU recipe) and options.

    In a checkpoint's metadata the config is the lib's GPTConfig, in its camelCase names (from_dict reads both)."""

    vocab_size: int
    block_size: int = 64
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False
    norm: str = "pre"  # "pre": x + f(LN(x)); "post": LN(x + f(x))
    attention: str = "mha"  # or "moh", a mixture of heads
    network: str = "mlp"  # or "moe", a mixture of experts
    n_experts: Optional[int] = None  # with "moe": 4 by default
    expert_top_k: Optional[int] = None  # with "moe": None is dense (every expert for every token)
    aux_loss_weight: Optional[float] = None  # with a top-k "moe": 0.01 by default

    def __post_init__(self):
        def fail(message):
            raise ValueError(f"GPTConfig: {message}")

        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                fail(f"{name} must be an integer >= 1, got {value!r}")
        if self.n_embd % self.n_head != 0:
            fail(f"n_embd {self.n_embd} is not divisible by n_head {self.n_head}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) or not 0 <= self.dropout < 1:
            fail(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not isinstance(self.bias, bool):
            fail(f"bias must be True or False, got {self.bias!r}")
        for name, allowed in (("norm", ("pre", "post")), ("attention", ("mha", "moh")), ("network", ("mlp", "moe"))):
            if getattr(self, name) not in allowed:
                fail(f"{name} must be one of {', '.join(map(repr, allowed))}, got {getattr(self, name)!r}")
        moe = self.network == "moe"
        for name in ("n_experts", "expert_top_k"):
            if getattr(self, name) is not None and not moe:
                fail(f"{name} {getattr(self, name)!r} is an option of network 'moe', and network is {self.network!r}")
        if moe and self.n_experts is None:
            self.n_experts = 4
        if moe and (isinstance(self.n_experts, bool) or not isinstance(self.n_experts, int) or self.n_experts < 2):
            fail(f"n_experts must be an integer >= 2, got {self.n_experts!r}")
        k = self.expert_top_k
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= self.n_experts):
            fail(f"expert_top_k must be an integer from 1 to n_experts ({self.n_experts}), got {k!r}")
        if self.aux_loss_weight is not None and not self.sparse:
            fail(f"aux_loss_weight {self.aux_loss_weight!r} is an option of a top-k 'moe' (give expert_top_k)")
        if self.sparse and self.aux_loss_weight is None:
            self.aux_loss_weight = 0.01
        w = self.aux_loss_weight
        if w is not None and (isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0):
            fail(f"aux_loss_weight must be a finite number >= 0, got {w!r}")

    @property
    def sparse(self):
        """A mixture of experts with top-k routing (and so a load-balancing loss)."""
        return self.network == "moe" and self.expert_top_k is not None

    @classmethod
    def from_dict(cls, values):
        """From the lib's names (vocabSize, nLayer, ...) or nanoGPT's (vocab_size, n_layer, ...: its model_args)."""
        names = {f.name for f in fields(cls)}
        converted = {}
        for key, value in values.items():
            name = _LIB_TO_PYTHON.get(key, key)
            if name not in names:
                raise ValueError(f"GPTConfig.from_dict: unknown option {key!r} (known: {', '.join(_LIB_NAMES.values())})")
            if name in converted:
                raise ValueError(f"GPTConfig.from_dict: {key!r} given twice, in the lib's and in nanoGPT's name")
            converted[name] = value
        if "vocab_size" not in converted:
            raise ValueError("GPTConfig.from_dict: vocabSize (vocab_size) is required")
        return cls(**converted)

    def to_lib(self):
        """The lib's GPTConfig as saveCheckpoint writes it: its key order, mixture options only where they apply."""
        names = ["block_size", "n_layer", "n_head", "n_embd", "dropout", "bias", "norm", "vocab_size"]
        names += [name for name in ("attention", "network", "n_experts", "expert_top_k", "aux_loss_weight") if self._stored(name)]
        return {_LIB_NAMES[name]: getattr(self, name) for name in names}

    def _stored(self, name):
        if name == "attention":
            return self.attention != "mha"
        return self.network == "moe" and getattr(self, name) is not None


_LIB_NAMES = {
    "vocab_size": "vocabSize", "block_size": "blockSize", "n_layer": "nLayer", "n_head": "nHead", "n_embd": "nEmbd",
    "dropout": "dropout", "bias": "bias", "norm": "norm", "attention": "attention", "network": "network",
    "n_experts": "nExperts", "expert_top_k": "expertTopK", "aux_loss_weight": "auxLossWeight",
}
_LIB_TO_PYTHON = {lib: python for python, lib in _LIB_NAMES.items()}


# ---------------------------------------------------------------- the JSON of the metadata, as JavaScript writes it


def _js_number(x):
    """A number as JavaScript's JSON.stringify writes it (0 not 0.0, 1e-7 not 1e-07, 0.00001 not 1e-05)."""
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        raise ValueError(f"config_json: {x} has no JSON form")
    if x == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    d = "".join(map(str, digits))
    k, n = len(d), exponent + len(d)  # n: where the decimal point goes in d
    text = (d + "0" * (n - k) if k <= n <= 21 else d[:n] + "." + d[n:] if 0 < n <= 21
            else "0." + "0" * -n + d if -6 < n <= 0 else (d[0] + ("." + d[1:] if k > 1 else "") + "e" + ("+" if n > 0 else "-") + str(abs(n - 1))))
    return ("-" if sign else "") + text


def config_json(value):
    """JSON text byte for byte as JavaScript's JSON.stringify writes it, for the metadata the lib writes."""
    if value is None or isinstance(value, (bool, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return _js_number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(config_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + config_json(v) for k, v in value.items()) + "}"
    raise TypeError(f"config_json: {type(value).__name__} has no JSON form")


# ---------------------------------------------------------------- the .safetensors format, in plain Python

DTYPE_SIZES = {"F64": 8, "F32": 4, "BF16": 2, "F16": 2}
_DTYPE_ORDER = ["F64", "F32", "BF16", "F16"]  # the reference writer: widest first, then by name, so all stay aligned
_MAX_HEADER = 100_000_000  # the reference implementation's limit


def encode_safetensors(tensors, metadata=None):
    """The bytes of a .safetensors file: tensors maps a name to (dtype, shape, little-endian bytes); metadata maps
    strings to strings. The layout of the reference writer and of the lib: the same input gives the same bytes."""
    header = {"__metadata__": dict(metadata)} if metadata else {}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"encode_safetensors: metadata {key!r} must map a string to a string, got {type(value).__name__}")
    order = sorted(tensors, key=lambda name: (_DTYPE_ORDER.index(_dtype_of(tensors, name)), name))
    offset, chunks = 0, []
    for name in order:
        dtype, shape, data = tensors[name]
        if name in ("", "__metadata__"):
            raise ValueError(f"encode_safetensors: {name!r} cannot name a tensor")
        need = math.prod(shape) * DTYPE_SIZES[dtype]
        if len(data) != need:
            raise ValueError(f"encode_safetensors: tensor {name}: shape {list(shape)} of {dtype} needs {need} bytes, got {len(data)}")
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(bytes(data))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def _dtype_of(tensors, name):
    dtype = tensors[name][0]
    if dtype not in DTYPE_SIZES:
        raise ValueError(f"encode_safetensors: tensor {name} has dtype {dtype!r}; this writer knows {', '.join(DTYPE_SIZES)}")
    return dtype


def decode_safetensors(raw, source="safetensors data"):
    """(tensors, metadata) of a .safetensors file's bytes: tensors maps each name, in the order of its bytes in the
    file, to (dtype, shape, bytes). A truncated or malformed file is a ValueError naming source."""
    def fail(message):
        raise ValueError(f"{source}: {message}")

    if len(raw) < 8:
        fail(f"{len(raw)} bytes is too short for a .safetensors file (truncated?): it starts with an 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        fail(f"the header length {n} runs past the end of the file ({len(raw) - 8} bytes follow it): truncated, or not a .safetensors file")
    if n > _MAX_HEADER:
        fail(f"the header length {n} is over the format's limit of {_MAX_HEADER} bytes")
    try:
        header = json.loads(bytes(raw[8 : 8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        fail(f"the {n}-byte header is not UTF-8 JSON ({error})")
    if not isinstance(header, dict):
        fail("the header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        fail("__metadata__ must be a map of strings")
    data = memoryview(raw)[8 + n :]
    found = []
    for name, entry in header.items():
        entry = entry if isinstance(entry, dict) else {}
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in DTYPE_SIZES:
            fail(f"tensor {name} has dtype {json.dumps(dtype)}, which this reader does not know (it reads {', '.join(DTYPE_SIZES)})")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            fail(f"tensor {name} has shape {json.dumps(shape)}, not a list of non-negative integers")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) and o >= 0 for o in offsets)
                or offsets[0] > offsets[1]):
            fail(f"tensor {name} has data_offsets {json.dumps(offsets)}, not [begin, end] with 0 <= begin <= end")
        begin, end = offsets
        need = math.prod(shape) * DTYPE_SIZES[dtype]
        if end - begin != need:
            fail(f"tensor {name}: shape {shape} of {dtype} needs {need} bytes, its data_offsets [{begin}, {end}] hold {end - begin}")
        if end > len(data):
            fail(f"tensor {name}: data_offsets [{begin}, {end}] run past the end of the data ({len(data)} bytes after the header): truncated file?")
        found.append((begin, name, dtype, shape, end))
    tensors = {name: (dtype, shape, bytes(data[begin:end])) for begin, name, dtype, shape, end in sorted(found)}
    return tensors, metadata


# ---------------------------------------------------------------- tensors <-> bytes (PyTorch)


def _require_torch(what):
    if torch is None:
        raise ModuleNotFoundError(f"thelittlebaby_torch.{what} needs PyTorch (pip install torch); the file format functions do not")


def _torch_dtypes():
    return {"F64": torch.float64, "F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def tensor_bytes(t):
    """A tensor's values as the little-endian bytes safetensors stores (numpy is used when present, not needed)."""
    size = t.element_size()
    flat = t.detach().cpu().contiguous().reshape(-1).view(torch.uint8)
    if sys.byteorder == "big":
        flat = flat.view(-1, size).flip(1).reshape(-1)
    try:
        return flat.numpy().tobytes()
    except (ImportError, RuntimeError):  # PyTorch without numpy
        return bytes(flat.tolist())


def tensor_from_bytes(data, dtype, shape):
    """The tensor that safetensors' (dtype, shape, bytes) hold."""
    size = DTYPE_SIZES[dtype]
    flat = torch.frombuffer(bytearray(data), dtype=torch.uint8) if data else torch.empty(0, dtype=torch.uint8)
    if sys.byteorder == "big":
        flat = flat.view(-1, size).flip(1).reshape(-1)
    return flat.view(_torch_dtypes()[dtype]).reshape(shape).clone()


def write_safetensors(path, tensors, metadata=None):
    """Writes name -> tensor (float64, float32, bfloat16 or float16) and string metadata to a .safetensors file."""
    _require_torch("write_safetensors")
    names = {v: k for k, v in _torch_dtypes().items()}
    entries = {}
    for name, t in tensors.items():
        if t.dtype not in names:
            raise ValueError(f"write_safetensors: tensor {name} is {t.dtype}; safetensors here holds {', '.join(map(str, names))}")
        entries[name] = (names[t.dtype], list(t.shape), tensor_bytes(t))
    Path(path).write_bytes(encode_safetensors(entries, metadata))


def read_safetensors(path):
    """(name -> tensor, metadata) of a .safetensors file, the tensors in the order of their bytes."""
    _require_torch("read_safetensors")
    tensors, metadata = decode_safetensors(Path(path).read_bytes(), str(path))
    return {name: tensor_from_bytes(data, dtype, shape) for name, (dtype, shape, data) in tensors.items()}, metadata


# ---------------------------------------------------------------- characters <-> token ids


class CharTokenizer:
    """The lib's CharTokenizer: token i is chars[i] (a checkpoint's "vocab" metadata)."""

    def __init__(self, chars):
        chars = list(chars)
        if not all(isinstance(c, str) and c for c in chars) or len(set(chars)) != len(chars):
            raise ValueError("CharTokenizer: chars must be distinct non-empty strings")
        self.chars = chars
        self.stoi = {c: i for i, c in enumerate(chars)}

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted({c for c in text if c not in self.stoi})
        if unknown:
            raise ValueError(f"CharTokenizer.encode: the vocabulary has no {', '.join(map(repr, unknown))}")
        return [self.stoi[c] for c in text]

    def decode(self, ids):
        ids = list(ids)
        bad = [i for i in ids if not 0 <= i < len(self.chars)]
        if bad:
            raise ValueError(f"CharTokenizer.decode: token ids {bad[:5]} are outside 0..{len(self.chars) - 1}")
        return "".join(self.chars[i] for i in ids)


# ---------------------------------------------------------------- the model: nanoGPT's model.py with the lib's options


class LayerNorm(_Module):
    """LayerNorm with an optional bias, as nanoGPT (PyTorch's own has no bias=False before 2.1)."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


def _heads(t, n_head):
    """(B, T, C) -> (B, n_head, T, C / n_head)."""
    B, T, C = t.shape
    return t.view(B, T, n_head, C // n_head).transpose(1, 2)


def _causal_attention(q, k, v, mask, dropout):
    """Each head's causal attention output, (B, nh, T, hs): softmax(q k^T / sqrt(hs), masked) v."""
    T = q.size(-2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    att = att.masked_fill(mask[:, :, :T, :T] == 0, float("-inf"))
    return dropout(F.softmax(att, dim=-1)) @ v


def _causal_mask(block_size):
    # nanoGPT's name and shape (attn.bias, PyTorch < 2): state_dict() is a nanoGPT state_dict
    return torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size)


class CausalSelfAttention(_Module):
    """nanoGPT's: the heads' outputs concatenated, then projected C -> C."""

    def __init__(self, config):
        super().__init__()
        self.n_head, C = config.n_head, config.n_embd
        self.c_attn = nn.Linear(C, 3 * C, bias=config.bias)
        self.c_proj = nn.Linear(C, C, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("bias", _causal_mask(config.block_size))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (_heads(t, self.n_head) for t in self.c_attn(x).split(C, dim=2))
        y = _causal_attention(q, k, v, self.bias, self.attn_dropout)
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C)))


class MixtureOfHeadsAttention(_Module):
    """TheLittleBaby's mixture of heads: a gate g = softmax over heads of g_proj(x) weighs each token's head outputs,
    which are summed (hs wide) rather than concatenated, then projected hs -> C."""

    def __init__(self, config):
        super().__init__()
        self.n_head, C = config.n_head, config.n_embd
        self.c_attn = nn.Linear(C, 3 * C, bias=config.bias)
        self.g_proj = nn.Linear(C, config.n_head, bias=False)
        self.c_proj = nn.Linear(C // config.n_head, C, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("bias", _causal_mask(config.block_size))

    def forward(self, x):
        C = x.size(-1)
        q, k, v = (_heads(t, self.n_head) for t in self.c_attn(x).split(C, dim=2))
        y = _causal_attention(q, k, v, self.bias, self.attn_dropout)  # (B, nh, T, hs)
        g = F.softmax(self.g_proj(x), dim=-1)  # (B, T, nh)
        y = (g.transpose(1, 2).unsqueeze(-1) * y).sum(dim=1)  # (B, T, hs)
        return self.resid_dropout(self.c_proj(y))


class MLP(_Module):
    """nanoGPT's MLP, C -> 4C -> C with the tanh GELU; an expert of a mixture has no dropout of its own."""

    def __init__(self, config, dropout=True):
        super().__init__()
        C = config.n_embd
        self.c_fc = nn.Linear(C, 4 * C, bias=config.bias)
        self.c_proj = nn.Linear(4 * C, C, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout) if dropout else nn.Identity()

    def forward(self, x):
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class MixtureOfExperts(_Module):
    """A softmax gate over n_experts MLPs. Dense (top_k None): every expert on every token, summed with the gate's
    weights. Top-k: each token goes to its k largest gate logits (ties: the lower index), weighted by the softmax over
    those k; an expert runs on its tokens only; aux_loss is Switch Transformer's load-balancing loss,
    n_experts * sum_e f_e P_e (f_e: the share of the N k assignments that went to e, P_e: the mean gate probability)."""

    def __init__(self, config):
        super().__init__()
        self.top_k = config.expert_top_k
        self.gate = nn.Linear(config.n_embd, config.n_experts, bias=False)
        self.experts = nn.ModuleList([MLP(config, dropout=False) for _ in range(config.n_experts)])
        self.dropout = nn.Dropout(config.dropout)
        self.aux_loss = None
        self.routes = None  # top-k: (N, k) expert ids of the last forward, best first

    def forward(self, x):
        B, T, C = x.shape
        flat = x.reshape(-1, C)
        z = self.gate(flat)  # (N, E)
        p = F.softmax(z, dim=-1)
        if self.top_k is None:
            out = sum(p[:, e : e + 1] * expert(flat) for e, expert in enumerate(self.experts))
            return self.dropout(out.view(B, T, C))
        chosen = torch.sort(z.detach(), dim=-1, descending=True, stable=True).indices[:, : self.top_k]  # (N, k)
        w = F.softmax(z.gather(1, chosen), dim=-1)  # the gradient flows through these weights, not the choice
        out = torch.zeros_like(flat)
        for e, expert in enumerate(self.experts):
            rows, slot = (chosen == e).nonzero(as_tuple=True)
            out = out.index_add(0, rows, w[rows, slot].unsqueeze(1) * expert(flat[rows]))
        n_experts, n = len(self.experts), flat.size(0)
        share = torch.bincount(chosen.reshape(-1), minlength=n_experts).to(p.dtype) / (n * self.top_k)
        self.aux_loss = n_experts * (share * p.mean(dim=0)).sum()
        self.routes = chosen
        return self.dropout(out.view(B, T, C))


class Block(_Module):
    def __init__(self, config):
        super().__init__()
        self.pre = config.norm == "pre"
        self.ln_1 = LayerNorm(config.n_embd, config.bias)
        self.attn = (MixtureOfHeadsAttention if config.attention == "moh" else CausalSelfAttention)(config)
        self.ln_2 = LayerNorm(config.n_embd, config.bias)
        self.mlp = (MixtureOfExperts if config.network == "moe" else MLP)(config)

    def forward(self, x):
        if self.pre:  # GPT-2: normalise the input of each branch
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))
        x = self.ln_1(x + self.attn(x))  # the original Transformer: normalise after each residual add
        return self.ln_2(x + self.mlp(x))


class GPT(_Module):
    """nanoGPT's GPT. config: a GPTConfig, or a dict in the lib's or nanoGPT's names. After a forward pass,
    ce_loss is the cross-entropy and aux_loss the sum of the top-k mixtures' load-balancing losses (else None)."""

    def __init__(self, config):
        _require_torch("GPT")
        super().__init__()
        self.config = config = config if isinstance(config, GPTConfig) else GPTConfig.from_dict(config)
        C = config.n_embd
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, C),
            wpe=nn.Embedding(config.block_size, C),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=LayerNorm(C, config.bias),
        ))
        self.lm_head = nn.Linear(C, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied, as nanoGPT
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
        self.tokenizer = None  # a CharTokenizer when loaded from a checkpoint with a vocabulary
        self.metadata = {}  # the metadata of the file it was loaded from
        self.ce_loss = self.aux_loss = None

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            torch.nn.init.zeros_(module.bias)

    def forward(self, idx, targets=None):
        """(logits (B, T, vocab), loss): loss is the cross-entropy plus aux_loss_weight * aux_loss for a top-k
        mixture of experts (None without targets)."""
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"GPT.forward: {T} tokens is longer than the context, block_size {self.config.block_size}")
        pos = torch.arange(T, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        self.aux_loss = sum(block.mlp.aux_loss for block in self.transformer.h) if self.config.sparse else None
        if targets is None:
            self.ce_loss = None
            return logits, None
        self.ce_loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        loss = self.ce_loss if self.aux_loss is None else self.ce_loss + self.config.aux_loss_weight * self.aux_loss
        return logits, loss

    def configure_optimizers(self, weight_decay=0.1, learning_rate=1e-3, betas=(0.9, 0.99), eps=1e-8):
        """AdamW in nanoGPT's two groups: weight decay on the tensors of 2 or more dimensions only. The defaults are
        the lib's train() defaults (nanoGPT's CPU recipe)."""
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas, eps=eps)

    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        """nanoGPT's generate: samples max_new_tokens after idx (B, T), the context cropped to the last block_size."""
        with torch.no_grad():
            for _ in range(max_new_tokens):
                logits, _ = self(idx[:, -self.config.block_size :])
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("inf")
                idx = torch.cat((idx, torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)), dim=1)
        return idx

    def state_tensors(self):
        """name -> tensor as the lib's checkpoints hold them: nanoGPT's names, the tied head once (as
        transformer.wte.weight), no causal-mask buffers."""
        return {name: p for name, p in self.state_dict().items() if name != "lm_head.weight" and not name.endswith(".attn.bias")}


# ---------------------------------------------------------------- checkpoints


def save(model, path, tokenizer=None, metadata=None):
    """Writes the model as the lib's saveCheckpoint does: its tensors in its dtype (float16 and bfloat16 widened to
    float32, which the lib computes in) under nanoGPT's names, metadata "format", "config" (the lib's GPTConfig) and
    "vocab" (the tokenizer's characters: tokenizer, else model.tokenizer), after any metadata given."""
    _require_torch("save")
    if not isinstance(model, GPT):
        raise TypeError(f"save: expected a thelittlebaby_torch.GPT, got {type(model).__name__}")
    metadata = dict(metadata or {})
    for key in RESERVED_METADATA:
        if key in metadata:
            raise ValueError(f"save: metadata {key} is written by save itself; choose another key")
    tokenizer = tokenizer if tokenizer is not None else model.tokenizer
    if tokenizer is not None:
        tokenizer = tokenizer if isinstance(tokenizer, CharTokenizer) else CharTokenizer(tokenizer)
        if tokenizer.vocab_size != model.config.vocab_size:
            raise ValueError(f"save: the tokenizer has {tokenizer.vocab_size} characters, the model a vocabulary of {model.config.vocab_size}")
    tensors = {}
    for name, t in model.state_tensors().items():
        t = t.detach()
        if t.dtype in (torch.float16, torch.bfloat16):
            t = t.float()
        if not torch.isfinite(t).all():
            raise ValueError(f"save: {name} holds a value that is not finite; a checkpoint keeps finite weights only")
        tensors[name] = t
    metadata["format"] = FORMAT
    metadata["config"] = config_json(model.config.to_lib())
    if tokenizer is not None:
        metadata["vocab"] = config_json(tokenizer.chars)
    write_safetensors(path, tensors, metadata)


def load(path, dtype=None, n_head=None, norm=None, vocab=None):
    """The GPT of a checkpoint, with .tokenizer (from the "vocab" metadata, or vocab: a list of characters or nanoGPT's
    meta.pkl) and .metadata. path: our .safetensors (config in its metadata; a file without one needs n_head, and the
    shapes say the rest), nanoGPT's ckpt.pt (its model_args), or a state_dict saved with torch.save (give n_head).
    dtype: torch.float32 or torch.float64 (default: float64 for float64 weights, else float32, as the lib)."""
    _require_torch("load")
    path = Path(path)
    with open(path, "rb") as f:
        start = f.read(9)
    if start[8:9] != b"{":  # not a safetensors header: torch.save's zip file or pickle
        checkpoint = torch.load(path, map_location="cpu")  # weights_only by default from PyTorch 2.6
        state, model_args, metadata = _torch_checkpoint(checkpoint, path)
    else:
        state, metadata = read_safetensors(path)
        model_args = json.loads(metadata["config"]) if "config" in metadata else None
    state = {k[len("_orig_mod.") :] if k.startswith("_orig_mod.") else k: v for k, v in state.items()}  # torch.compile's prefix
    if model_args is not None:
        config = GPTConfig.from_dict(model_args)
        for name, wanted in (("n_head", n_head), ("norm", norm)):
            if wanted is not None and wanted != getattr(config, name):
                raise ValueError(f"load: {path}: the checkpoint's config has {name} {getattr(config, name)!r}, the arguments ask for {wanted!r}")
    else:
        config = _config_from_shapes(state, path, n_head, norm)
    if dtype is None:
        wte = state.get("transformer.wte.weight")
        dtype = torch.float64 if wte is not None and wte.dtype == torch.float64 else torch.float32
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"load: dtype must be torch.float32 or torch.float64, got {dtype}")
    model = GPT(config).to(dtype)
    model.load_state_dict(_model_state(model, state, path), strict=True)
    model.metadata = metadata
    chars = _vocab(vocab, path) if vocab is not None else json.loads(metadata["vocab"]) if "vocab" in metadata else None
    if chars is not None:
        model.tokenizer = CharTokenizer(chars)
        if model.tokenizer.vocab_size != config.vocab_size:
            raise ValueError(f"load: {path}: the vocabulary has {model.tokenizer.vocab_size} characters, the config a vocab_size of {config.vocab_size}")
    return model


def _torch_checkpoint(checkpoint, path):
    """(state_dict, model_args or None, metadata) of what torch.load gave: nanoGPT's ckpt.pt or a bare state_dict."""
    if isinstance(checkpoint, dict) and "model" in checkpoint and isinstance(checkpoint["model"], dict):
        args = checkpoint.get("model_args")
        metadata = {"iter_num": str(checkpoint["iter_num"])} if "iter_num" in checkpoint else {}
        return checkpoint["model"], args, metadata
    if isinstance(checkpoint, dict) and all(torch.is_tensor(v) for v in checkpoint.values()):
        return checkpoint, None, {}
    raise ValueError(f"load: {path} is neither nanoGPT's ckpt.pt (model and model_args) nor a state_dict")


def _config_from_shapes(state, path, n_head, norm):
    """What the tensors' shapes say (vocabulary, context, width, layers, biases), with n_head given: as the lib."""
    wte, wpe = state.get("transformer.wte.weight"), state.get("transformer.wpe.weight")
    if wte is None or wpe is None or wte.dim() != 2 or wpe.dim() != 2:
        raise ValueError(f"load: {path}: no config, and no 2-D transformer.wte.weight and transformer.wpe.weight to read one from")
    if n_head is None:
        raise ValueError(f"load: {path}: no config comes with it, so give the number of heads, e.g. n_head=4 (the shapes say the rest)")
    layers = {name.split(".")[2] for name in state if name.startswith("transformer.h.")}
    return GPTConfig(vocab_size=wte.shape[0], block_size=wpe.shape[0], n_embd=wte.shape[1], n_layer=len(layers),
                     n_head=n_head, dropout=0.0, bias="transformer.ln_f.bias" in state, norm=norm or "pre")


def _model_state(model, state, path):
    """The file's tensors as the model's state_dict: nanoGPT's attn.bias masks checked then replaced by the model's,
    lm_head.weight checked to be the tied embedding."""
    state = dict(state)
    own = model.state_dict()
    for name in list(state):
        if name.endswith(".attn.bias") and name.startswith("transformer.h."):
            mask = state.pop(name)
            if name in own and not torch.equal(mask.to(own[name].dtype), own[name]):
                raise ValueError(f"load: {path}: {name} {tuple(mask.shape)} is not the causal mask nanoGPT saves there")
    head = state.pop("lm_head.weight", None)
    wte = state.get("transformer.wte.weight")
    if head is not None and wte is not None and not torch.equal(head, wte):
        raise ValueError(f"load: {path}: lm_head.weight differs from transformer.wte.weight; this GPT ties them (as nanoGPT)")
    if wte is not None:
        state["lm_head.weight"] = wte
    for name, buffer in own.items():
        if name.endswith(".attn.bias"):
            state[name] = buffer
    dtype = next(iter(own.values())).dtype
    return {name: t.to(dtype) if t.is_floating_point() else t for name, t in state.items()}


def _vocab(vocab, path):
    """A list of characters, or nanoGPT's meta.pkl (its itos) as a path or as the loaded dict."""
    if isinstance(vocab, (str, Path)):
        with open(vocab, "rb") as f:
            vocab = pickle.load(f)
    if isinstance(vocab, dict):
        if "itos" not in vocab:
            raise ValueError(f"load: {path}: vocab is a dict without itos (nanoGPT's meta.pkl has one)")
        itos = vocab["itos"]
        return [itos[i] for i in range(len(itos))]
    return list(vocab)
