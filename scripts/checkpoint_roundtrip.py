"""Proves that checkpoints cross between this project and PyTorch, both ways, with the same logits.

  /usr/bin/python3 scripts/checkpoint_roundtrip.py            check both directions, print the agreement
  /usr/bin/python3 scripts/checkpoint_roundtrip.py --fixture  also rewrite test/fixtures/gpt/pytorch-*.safetensors,
                                                              pytorch-logits.json and pytorch-train.json (the tests load them)

Needs PyTorch (Debian: apt install python3-torch; 1.13 is enough) and the built lib (npm run build); not needed by
the tests or CI, which read the committed fixture. No safetensors package needed: the format is read and written
below in a few lines, with the layout of the reference writer.

1. ours -> PyTorch: `npm run train` writes a checkpoint after a few steps; a nanoGPT-architecture model in PyTorch
   loads it and its logits on a batch are compared with the lib's (scripts/checkpoint_roundtrip_lib.mjs), in
   float64 and in float32.
2. PyTorch -> ours: the PyTorch model (pre-norm with biases, and post-norm without) writes its state_dict as
   nanoGPT has it (lm_head.weight tied to wte, the attn.bias causal-mask buffers of PyTorch < 2); the lib loads it
   and its logits are compared.
3. init: GPT.create(config, { seed }) against torch.manual_seed(seed); GPT(config), value for value.
4. training: the lib's train() against nanoGPT's loop in PyTorch (the same init, the same batches from
   torch.randint, AdamW in two groups, clip_grad_norm_, get_lr), float64, step by step and at each evaluation.

The PyTorch model is scripts/torch_gpt.py's: nanoGPT's model.py with the two differences this project chose:
GELU is the tanh approximation (as GPT-2; nanoGPT's nn.GELU() is the exact erf form, so set approximate="tanh"
there to continue a model trained here), and norm="post" puts each LayerNorm after its residual add.
"""
import json
import math
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_gpt import GPT  # noqa: E402  the project's PyTorch reference model

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "test" / "fixtures" / "gpt"

# ---------------------------------------------------------------- safetensors, as the reference writes it

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
NAMES = {v: k for k, v in DTYPES.items()}
ORDER = ["F64", "F32", "BF16", "F16"]  # widest first, then by name


def save_safetensors(path, tensors, metadata):
    items = sorted(tensors.items(), key=lambda kv: (ORDER.index(NAMES[kv[1].dtype]), kv[0]))
    header, offset, chunks = {"__metadata__": metadata}, 0, []
    for name, t in items:
        data = t.detach().contiguous().cpu().numpy().tobytes()  # little-endian: checked in main()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def load_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[info["dtype"]]) if end > begin else torch.empty(0, dtype=DTYPES[info["dtype"]])
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, metadata


# ---------------------------------------------------------------- the model: nanoGPT's, from scripts/torch_gpt.py


def torch_model(config):
    """torch.manual_seed first for nanoGPT's init; config in the lib's names (GPTConfig)."""
    return GPT(config)


def nanogpt_state_dict(model):
    """The state_dict as nanoGPT's model.py has it (PyTorch < 2.0): the tied lm_head.weight and the attn.bias masks included."""
    return model.state_dict()


def logits_of(model, idx, targets=None):
    logits, loss = model(idx, torch.zeros_like(idx) if targets is None else targets)
    return logits, (None if targets is None else loss)


def model_from_checkpoint(path, dtype):
    tensors, metadata = load_safetensors(path)
    config = json.loads(metadata["config"])
    model = torch_model(config).to(dtype)
    # The causal masks come from the model; a file written by nanoGPT has them as attn.bias (the same values).
    state = {k: v.to(dtype) for k, v in tensors.items() if not k.endswith(".attn.bias")}
    state["lm_head.weight"] = state["transformer.wte.weight"]
    for i in range(config["nLayer"]):
        state[f"transformer.h.{i}.attn.bias"] = model.transformer.h[i].attn.bias
    model.load_state_dict(state, strict=True)
    return model.eval(), config, metadata


# ---------------------------------------------------------------- nanoGPT's training loop, for the lib's train()


def get_lr(it, o):
    if it < o["warmupSteps"]:
        return o["learningRate"] * (it + 1) / (o["warmupSteps"] + 1)
    if it > o["decaySteps"]:
        return o["minLr"]
    ratio = (it - o["warmupSteps"]) / (o["decaySteps"] - o["warmupSteps"])
    return o["minLr"] + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (o["learningRate"] - o["minLr"])


def encode_split(text, chars):
    """The text as token ids, split 90/10 into training and validation as the lib's TextDataset splits it."""
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text])
    n = int(len(data) * 0.9)
    return data[:n], data[n:]


def pytorch_train(config, o, train_data, val_data, dtype=torch.float64, log=None):
    """nanoGPT's training loop on the batches the lib's TextDataset draws; returns the step and validation losses."""
    torch.manual_seed(o["seed"])
    model = torch_model(config).to(dtype)
    params = [p for p in model.parameters()]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": o["weightDecay"]},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=o["learningRate"], betas=(o["beta1"], o["beta2"]), eps=1e-8)
    B, T = o["batchSize"], config["blockSize"]

    def get_batch(data, g):
        ix = torch.randint(len(data) - T, (B,), generator=g)
        return torch.stack([data[i : i + T] for i in ix]), torch.stack([data[i + 1 : i + 1 + T] for i in ix])

    @torch.no_grad()
    def estimate_loss():
        model.eval()
        g = torch.Generator().manual_seed(o["evalSeed"])
        losses = [model(*get_batch(val_data, g))[1].item() for _ in range(o["evalBatches"])]
        model.train()
        return sum(losses) / len(losses)

    g = torch.Generator().manual_seed(o["seed"])
    train_losses, evaluations = [], [{"step": 0, "valLoss": estimate_loss()}]
    for step in range(1, o["steps"] + 1):
        for group in optimizer.param_groups:
            group["lr"] = get_lr(step - 1, o)
        _, loss = model(*get_batch(train_data, g))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), o["gradClip"])
        optimizer.step()
        train_losses.append(loss.item())
        if step % o["evalInterval"] == 0 or step == o["steps"]:
            evaluations.append({"step": step, "valLoss": estimate_loss()})
            if log:
                log(f"step {step}: val loss {evaluations[-1]['valLoss']:.4f}")
    return train_losses, evaluations


# ---------------------------------------------------------------- the lib's side


def node(*args, stdin=None):
    done = subprocess.run(["node", *args], cwd=ROOT, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"node {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def our_logits(path, dtype, tokens, targets):
    request = json.dumps({"tokens": tokens.flatten().tolist(), "targets": targets.flatten().tolist(), "batch": tokens.shape[0], "time": tokens.shape[1]})
    reply = json.loads(node("scripts/checkpoint_roundtrip_lib.mjs", "logits", str(path), dtype, stdin=request))
    return torch.tensor(reply["logits"], dtype=torch.float64).view(tokens.shape[0], tokens.shape[1], -1), reply["loss"]


def batch(vocab_size, block_size, seed):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(vocab_size, (2, block_size), generator=g)
    return tokens, torch.randint(vocab_size, (2, block_size), generator=g)


def compare(label, path, tokens, targets):
    worst = {}
    for name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        model, _, _ = model_from_checkpoint(path, dtype)
        with torch.no_grad():
            logits, loss = model(tokens, targets)
        ours, our_loss = our_logits(path, name, tokens, targets)
        diff = (logits.double() - ours).abs().max().item()
        worst[name] = diff
        print(f"  {label}, {name}: max |logits difference| {diff:.3e}, loss PyTorch {loss.item():.12f} lib {our_loss:.12f}")
    return worst


def pytorch_checkpoint(config, seed, dtype, path, chars, data=None):
    """A PyTorch model with every parameter non-trivial (LayerNorms and biases too), saved as nanoGPT's state_dict.
    Given data, it first trains 300 steps there, so that its next-token choices vary as a trained model's do."""
    torch.manual_seed(seed)
    model = torch_model(config)
    if data is not None:
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
        T = config["blockSize"]
        for _ in range(300):
            ix = torch.randint(len(data) - T, (32,))
            _, loss = model(torch.stack([data[i : i + T] for i in ix]), torch.stack([data[i + 1 : i + 1 + T] for i in ix]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" in name or name.endswith(".bias"):
                p.add_(0.1 * torch.randn_like(p))
    model = model.to(dtype)
    state = nanogpt_state_dict(model)  # lm_head.weight (tied) and the attn.bias masks included, as nanoGPT's checkpoints
    save_safetensors(path, state, {"config": json.dumps(config), "vocab": json.dumps(chars, ensure_ascii=False)})
    return model


def main():
    write_fixture = "--fixture" in sys.argv[1:]
    if sys.byteorder != "little":
        sys.exit("this script writes tensors in the machine's byte order, which must be little-endian as the format")
    torch.set_num_threads(1)
    text = (ROOT / "data" / "tinyshakespeare.txt").read_text()
    chars = sorted(set(text))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        print("1. lib -> PyTorch: npm run train, 20 steps, then the same batch through both")
        ours = Path(tmp) / "ours.safetensors"
        done = subprocess.run(
            ["npm", "run", "--silent", "train", "--", f"--out={ours}", "--n_layer=2", "--n_head=2", "--n_embd=32", "--block_size=16",
             "--batch_size=4", "--max_iters=20", "--eval_interval=10", "--eval_iters=2", "--warmup_iters=5", "--bias"],
            cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"npm run train failed:\n{done.stdout}\n{done.stderr}")
        tokens, targets = batch(len(chars), 16, 1)
        results["lib -> PyTorch"] = compare("trained 20 steps, pre-norm, biases", ours, tokens, targets)

        print("2. PyTorch -> lib: nanoGPT state_dicts (lm_head.weight and attn.bias masks included)")
        for label, config, dtype in (
            ("pre-norm, biases, F64", dict(vocabSize=len(chars), blockSize=16, nLayer=2, nHead=2, nEmbd=16, dropout=0.0, bias=True, norm="pre"), torch.float64),
            ("post-norm, no biases, F32", dict(vocabSize=len(chars), blockSize=16, nLayer=2, nHead=4, nEmbd=16, dropout=0.0, bias=False, norm="post"), torch.float32),
        ):
            path = Path(tmp) / "pytorch.safetensors"
            pytorch_checkpoint(config, 7, dtype, path, chars)
            tokens, targets = batch(len(chars), 16, 2)
            results[f"PyTorch -> lib, {label}"] = compare(label, path, tokens, targets)

        print("3. init: GPT.create(config, { seed: 1337 }) against torch.manual_seed(1337); GPT(config)")
        config = dict(vocabSize=len(chars), blockSize=16, nLayer=2, nHead=2, nEmbd=16, dropout=0.0, bias=True, norm="pre")
        created = Path(tmp) / "created.safetensors"
        node("scripts/checkpoint_roundtrip_lib.mjs", "create", json.dumps(config), "1337", str(created))
        torch.manual_seed(1337)
        reference = nanogpt_state_dict(torch_model(config))
        mine, _ = load_safetensors(created)
        differing = [name for name, t in mine.items() if not torch.equal(t, reference[name])]
        print(f"  {len(mine)} tensors, {len(differing)} differ{': ' + ', '.join(differing) if differing else ' (bit for bit)'}")

    print("4. training, float64: the lib's train() against nanoGPT's loop in PyTorch, 30 steps")
    train_data, val_data = encode_split(text, chars)
    config = dict(vocabSize=len(chars), blockSize=16, nLayer=2, nHead=2, nEmbd=16, dropout=0.0, bias=False, norm="pre")
    o = dict(steps=30, batchSize=4, learningRate=3e-3, minLr=3e-4, warmupSteps=5, decaySteps=30, weightDecay=0.1, beta1=0.9,
             beta2=0.99, gradClip=1.0, evalInterval=10, evalBatches=2, seed=1337, evalSeed=1337)
    theirs, their_evals = pytorch_train(config, o, train_data, val_data)
    ours = json.loads(node("scripts/checkpoint_roundtrip_lib.mjs", "train", json.dumps(config), json.dumps(o), "float64"))
    step_diff = max(abs(a - b) for a, b in zip(theirs, ours["trainLosses"]))
    eval_diff = max(abs(a["valLoss"] - b["valLoss"]) for a, b in zip(their_evals, ours["evaluations"]))
    print(f"  train losses: step 1 {theirs[0]:.12f} (PyTorch) {ours['trainLosses'][0]:.12f} (lib); step 30 {theirs[-1]:.12f} {ours['trainLosses'][-1]:.12f}")
    print(f"  max |difference|: {step_diff:.3e} over the 30 step losses, {eval_diff:.3e} over the {len(their_evals)} validation losses")
    # float64 must agree to rounding; float32 to float32's precision on logits of this size.
    failures = [f"{label}, {name}: {diff:.3e}" for label, worst in results.items() for name, diff in worst.items()
                if diff > (1e-12 if name == "float64" else 1e-4)]
    failures += [f"init: {name} differs" for name in differing]
    failures += [f"training: {step_diff:.3e}"] if max(step_diff, eval_diff) > 1e-12 else []
    training = {"config": config, "options": o, "trainLosses": theirs, "evaluations": their_evals, "torch": torch.__version__}

    if write_fixture:
        FIXTURES.mkdir(parents=True, exist_ok=True)
        expected = {}
        for name, config, dtype in (
            ("pytorch-pre-bias.safetensors", dict(vocabSize=len(chars), blockSize=8, nLayer=2, nHead=2, nEmbd=16, dropout=0.0, bias=True, norm="pre"), torch.float64),
            ("pytorch-post.safetensors", dict(vocabSize=len(chars), blockSize=8, nLayer=1, nHead=4, nEmbd=16, dropout=0.0, bias=False, norm="post"), torch.float32),
        ):
            model = pytorch_checkpoint(config, 11, dtype, FIXTURES / name, chars, train_data)
            prompt = "First Ci"
            tokens = torch.tensor([[chars.index(c) for c in prompt], [chars.index(c) for c in "izen:\nBe"]])
            targets = torch.tensor([[chars.index(c) for c in "irst Cit"], [chars.index(c) for c in "zen:\nBef"]])
            with torch.no_grad():
                logits, loss = model.double()(tokens, targets)
            expected[name] = {"tokens": tokens.flatten().tolist(), "targets": targets.flatten().tolist(), "batch": 2, "time": 8,
                              "logits": logits.flatten().tolist(), "loss": loss.item(), "torch": torch.__version__}
            # nanoGPT's generate, greedy (argmax for multinomial): the prompt is longer than the context, so it is cropped.
            prompt = "First Citizen:\n"
            idx = torch.tensor([[chars.index(c) for c in prompt]])
            with torch.no_grad():
                for _ in range(20):
                    step_logits, _ = logits_of(model, idx[:, -config["blockSize"] :])
                    idx = torch.cat([idx, step_logits[:, -1, :].argmax(-1, keepdim=True)], dim=1)
                # The distribution sampling draws from at temperature 0.8, top-k 5, after the prompt's last 8 characters.
                last = logits_of(model, idx[:, :15][:, -config["blockSize"] :])[0][0, -1, :] / 0.8
                v, _ = torch.topk(last, 5)
                last[last < v[-1]] = -float("inf")
                probs = F.softmax(last, dim=-1)
            expected[name]["greedy"] = {"prompt": prompt, "text": "".join(chars[i] for i in idx[0].tolist())}
            expected[name]["sampling"] = {"temperature": 0.8, "topK": 5, "probabilities": probs.tolist()}
        (FIXTURES / "pytorch-logits.json").write_text(json.dumps(expected) + "\n")
        (FIXTURES / "pytorch-train.json").write_text(json.dumps(training) + "\n")
        print(f"wrote the fixtures in {FIXTURES.relative_to(ROOT)}")
    if failures:
        sys.exit("disagreements beyond rounding:\n  " + "\n  ".join(failures))
    print("PyTorch and the lib agree in every check")


if __name__ == "__main__":
    main()
