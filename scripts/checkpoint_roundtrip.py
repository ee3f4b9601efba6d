"""Proves that checkpoints cross between this project and PyTorch, both ways, with the same logits.

  /usr/bin/python3 scripts/checkpoint_roundtrip.py            check both directions, print the agreement
  /usr/bin/python3 scripts/checkpoint_roundtrip.py --fixture  also rewrite test/fixtures/gpt/pytorch-*.safetensors,
                                                              pytorch-*.json (the tests load them)

Needs PyTorch (Debian: apt install python3-torch; 1.13 is enough) and the built lib (npm run build); not needed by
the tests or CI, which read the committed fixtures. The fixtures were made with OpenBLAS (apt install
libopenblas0-pthread): with it the same command rewrites them byte for byte (Debian's reference BLAS rounds some
last bits of the float64 logits differently). No safetensors package needed: python/thelittlebaby_torch.py reads and
writes the format.

1. ours -> PyTorch: `npm run train` writes a checkpoint after a few steps; a nanoGPT-architecture model in PyTorch
   loads it and its logits on a batch are compared with the lib's (scripts/checkpoint_roundtrip_lib.mjs), in
   float64 and in float32.
2. PyTorch -> ours: the PyTorch model (pre-norm with biases, and post-norm without) writes its state_dict as
   nanoGPT has it (lm_head.weight tied to wte, the attn.bias causal-mask buffers of PyTorch < 2); the lib loads it
   and its logits are compared.
3. init: GPT.create(config, { seed }) against torch.manual_seed(seed); GPT(config), value for value.
4. training: the lib's train() against nanoGPT's loop in PyTorch (the same init, the same batches from
   torch.randint, AdamW in two groups, clip_grad_norm_, get_lr), float64, step by step and at each evaluation;
   for nanoGPT's model and for a mixture of heads with a top-2 mixture of experts (its load-balancing loss trained).
5. the Python module's load and save: load() of the committed data/shakespeare-char.safetensors and its logits; a
   nanoGPT ckpt.pt (model_args, a torch.compile'd state_dict, meta.pkl's characters) brought back by load() and
   save(); save() then load() of mixtures of heads and experts. With --fixture: pytorch-module.json,
   pytorch-nanogpt.safetensors and pytorch-mixtures.safetensors.

The PyTorch model is python/thelittlebaby_torch.py's: nanoGPT's model.py with the differences this project chose:
GELU is the tanh approximation (as GPT-2; nanoGPT's nn.GELU() is the exact erf form), norm="post" puts each
LayerNorm after its residual add, and the mixtures of heads and experts.
"""
import json
import math
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))
import thelittlebaby_torch as tlb  # noqa: E402  the project's PyTorch model and checkpoints

FIXTURES = ROOT / "test" / "fixtures" / "gpt"


def logits_of(model, idx, targets=None):
    logits, loss = model(idx, torch.zeros_like(idx) if targets is None else targets)
    return logits, (None if targets is None else loss)


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
    model = tlb.GPT(config).to(dtype)
    optimizer = model.configure_optimizers(o["weightDecay"], o["learningRate"], (o["beta1"], o["beta2"]))
    B, T = o["batchSize"], config["blockSize"]

    def get_batch(data, g):
        ix = torch.randint(len(data) - T, (B,), generator=g)
        return torch.stack([data[i : i + T] for i in ix]), torch.stack([data[i + 1 : i + 1 + T] for i in ix])

    def cross_entropy(x, y):  # what train() reports, without a top-k mixture's load-balancing loss
        model(x, y)
        return model.ce_loss.item()

    @torch.no_grad()
    def estimate_loss():
        model.eval()
        g = torch.Generator().manual_seed(o["evalSeed"])
        losses = [cross_entropy(*get_batch(val_data, g)) for _ in range(o["evalBatches"])]
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
        train_losses.append(model.ce_loss.item())  # the cross-entropy, as train() reports (loss adds aux for top-k)
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
        model = tlb.load(path, dtype=dtype).eval()
        with torch.no_grad():
            logits, loss = model(tokens, targets)
        ours, our_loss = our_logits(path, name, tokens, targets)
        diff = (logits.double() - ours).abs().max().item()
        worst[name] = diff
        print(f"  {label}, {name}: max |logits difference| {diff:.3e}, loss PyTorch {loss.item():.12f} lib {our_loss:.12f}")
    return worst


def pytorch_checkpoint(config, seed, dtype, path, chars, data=None):
    """A PyTorch model with every parameter non-trivial (LayerNorms and biases too), saved as nanoGPT's state_dict
    when given a path. Given data, it first trains 300 steps there, so that its next-token choices vary as a trained
    model's do."""
    torch.manual_seed(seed)
    model = tlb.GPT(config)
    if data is not None:
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
        T = model.config.block_size
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
    if path is not None:
        state = model.state_dict()  # lm_head.weight (tied) and the attn.bias masks included, as nanoGPT's (PyTorch < 2)
        tlb.write_safetensors(path, state, {"config": json.dumps(config), "vocab": json.dumps(chars, ensure_ascii=False)})
    return model


def forward_record(model, tokenizer, text):
    """The batch (the text's characters, each predicting the next) and the model's float64 logits and losses on it."""
    ids = tokenizer.encode(text)
    tokens, targets = torch.tensor([ids[:-1]]), torch.tensor([ids[1:]])
    with torch.no_grad():
        logits, _ = model.double()(tokens, targets)
    record = {"text": text, "tokens": ids[:-1], "targets": ids[1:], "batch": 1, "time": len(ids) - 1,
              "logits": logits.flatten().tolist(), "loss": model.ce_loss.item()}
    if model.aux_loss is not None:
        record["auxLoss"] = model.aux_loss.item()
    model.float()  # float32 weights through float64 and back: unchanged
    return record


def nanogpt_run(tmp, train_data, chars):
    """A nanoGPT run's files, as its train.py and prepare.py leave them: ckpt.pt (model_args; the state_dict of a
    torch.compile'd model of PyTorch 2, so every name starts with _orig_mod. and there are no attn.bias masks) and
    meta.pkl (stoi, itos)."""
    model_args = dict(n_layer=2, n_head=2, n_embd=16, block_size=8, bias=True, vocab_size=len(chars), dropout=0.0)
    model = pytorch_checkpoint(model_args, 13, torch.float32, None, chars, train_data)
    state = {"_orig_mod." + k: v for k, v in model.state_dict().items() if not k.endswith(".attn.bias")}
    checkpoint = {"model": state, "model_args": model_args, "iter_num": 300, "best_val_loss": 2.5,
                  "config": {"dataset": "shakespeare_char", "n_layer": 2}}
    torch.save(checkpoint, Path(tmp) / "ckpt.pt")
    with open(Path(tmp) / "meta.pkl", "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": dict(enumerate(chars)), "stoi": {c: i for i, c in enumerate(chars)}}, f)
    return Path(tmp) / "ckpt.pt", Path(tmp) / "meta.pkl"


def module_checks(tmp, text, chars, train_data, fixtures):
    """5. The module: load() of the lib's committed checkpoint, a nanoGPT run brought back, mixtures saved and
    loaded. Writes its checkpoints into fixtures (a folder); returns the records for pytorch-module.json and the
    failures."""
    failures, records = [], {}
    committed = ROOT / "data" / "shakespeare-char.safetensors"
    model = tlb.load(committed)
    records["shakespeare-char.safetensors"] = forward_record(model, model.tokenizer, text[:17])
    again = Path(tmp) / "again.safetensors"
    tlb.save(model, again, metadata={k: v for k, v in model.metadata.items() if k not in tlb.RESERVED_METADATA})
    same = again.read_bytes() == committed.read_bytes()
    print(f"  load() then save() of {committed.relative_to(ROOT)}: {'the same bytes' if same else 'DIFFERENT bytes'}")
    failures += [] if same else ["save(load(data/shakespeare-char.safetensors)) is not the same file"]

    ckpt, meta = nanogpt_run(tmp, train_data, chars)
    model = tlb.load(ckpt, vocab=meta)
    path = Path(fixtures) / "pytorch-nanogpt.safetensors"
    tlb.save(model, path)
    records[path.name] = forward_record(model, model.tokenizer, text[100:109])
    back = tlb.load(path)
    same = all(torch.equal(t, back.state_dict()[k]) for k, t in model.state_dict().items())
    print(f"  nanoGPT's ckpt.pt and meta.pkl -> load() -> save() -> load(): {'the same weights' if same else 'DIFFERENT weights'}")
    failures += [] if same else ["a nanoGPT ckpt.pt does not come back with its weights"]
    failures += [f"nanoGPT ckpt.pt, {name}: {diff:.3e}" for name, diff in compare_with_lib("nanoGPT ckpt.pt via save()", path, records[path.name]).items()
                 if diff > (1e-12 if name == "float64" else 1e-4)]

    config = dict(vocabSize=len(chars), blockSize=8, nLayer=2, nHead=2, nEmbd=16, bias=True, attention="moh", network="moe",
                  nExperts=3, expertTopK=2)
    model = pytorch_checkpoint(config, 17, torch.float32, None, chars, train_data)
    path = Path(fixtures) / "pytorch-mixtures.safetensors"
    tlb.save(model, path, tlb.CharTokenizer(chars))
    records[path.name] = forward_record(model, tlb.CharTokenizer(chars), text[200:209])
    back = tlb.load(path)
    same = back.config == model.config and all(torch.equal(t, back.state_dict()[k]) for k, t in model.state_dict().items())
    print(f"  moh + top-2 moe: save() -> load(): {'the same config and weights' if same else 'DIFFERENT'}")
    failures += [] if same else ["a mixture model does not come back with its config and weights"]
    for name, diff in compare_with_lib("moh + top-2 moe via save()", path, records[path.name]).items():
        failures += [f"mixtures, {name}: {diff:.3e}"] if diff > (1e-12 if name == "float64" else 1e-4) else []
    for record in records.values():
        record["torch"] = torch.__version__
    return records, failures


def compare_with_lib(label, path, record):
    """The lib's logits on the record's batch beside PyTorch's, float64 and float32 (none when the lib cannot load
    the file: said, not failed, while the lib lacks a feature the module has)."""
    request = json.dumps({"tokens": record["tokens"], "targets": record["targets"], "batch": 1, "time": record["time"]})
    worst = {}
    for name in ("float64", "float32"):
        done = subprocess.run(["node", "scripts/checkpoint_roundtrip_lib.mjs", "logits", str(path), name], cwd=ROOT, input=request,
                              capture_output=True, text=True)
        if done.returncode != 0:
            said = [line for line in done.stderr.splitlines() if re.match(r"\w*Error: ", line)]
            print(f"  {label}: the lib does not load it: {said[0] if said else done.stderr.strip()}")
            return {}
        reply = json.loads(done.stdout)
        worst[name] = max(abs(a - b) for a, b in zip(reply["logits"], record["logits"]))
        print(f"  {label}, {name}: max |logits difference| {worst[name]:.3e}, loss PyTorch {record['loss']:.12f} lib {reply['loss']:.12f}")
    return worst


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
        reference = tlb.GPT(config).state_dict()
        mine, _ = tlb.read_safetensors(created)
        differing = [name for name, t in mine.items() if not torch.equal(t, reference[name])]
        print(f"  {len(mine)} tensors, {len(differing)} differ{': ' + ', '.join(differing) if differing else ' (bit for bit)'}")

    print("4. training, float64: the lib's train() against nanoGPT's loop in PyTorch, 30 steps")
    train_data, val_data = encode_split(text, chars)
    o = dict(steps=30, batchSize=4, learningRate=3e-3, minLr=3e-4, warmupSteps=5, decaySteps=30, weightDecay=0.1, beta1=0.9,
             beta2=0.99, gradClip=1.0, evalInterval=10, evalBatches=2, seed=1337, evalSeed=1337)
    plain = dict(vocabSize=len(chars), blockSize=16, nLayer=2, nHead=2, nEmbd=16, dropout=0.0, bias=False, norm="pre")
    mixtures = dict(plain, attention="moh", network="moe", nExperts=3, expertTopK=2, auxLossWeight=0.1)
    trainings, step_diff, eval_diff = {}, 0.0, 0.0
    for label, config in (("nanoGPT's model", plain), ("moh + top-2 moe", mixtures)):
        theirs, their_evals = pytorch_train(config, o, train_data, val_data)
        ours = json.loads(node("scripts/checkpoint_roundtrip_lib.mjs", "train", json.dumps(config), json.dumps(o), "float64"))
        steps = max(abs(a - b) for a, b in zip(theirs, ours["trainLosses"]))
        evals = max(abs(a["valLoss"] - b["valLoss"]) for a, b in zip(their_evals, ours["evaluations"]))
        print(f"  {label}: step 1 {theirs[0]:.12f} (PyTorch) {ours['trainLosses'][0]:.12f} (lib); step 30 {theirs[-1]:.12f} {ours['trainLosses'][-1]:.12f}")
        print(f"  {label}: max |difference| {steps:.3e} over the 30 step losses, {evals:.3e} over the {len(their_evals)} validation losses")
        step_diff, eval_diff = max(step_diff, steps), max(eval_diff, evals)
        trainings[label] = {"config": config, "options": o, "trainLosses": theirs, "evaluations": their_evals, "torch": torch.__version__}
    # float64 must agree to rounding; float32 to float32's precision on logits of this size.
    failures = [f"{label}, {name}: {diff:.3e}" for label, worst in results.items() for name, diff in worst.items()
                if diff > (1e-12 if name == "float64" else 1e-4)]
    failures += [f"init: {name} differs" for name in differing]
    failures += [f"training: {step_diff:.3e}"] if max(step_diff, eval_diff) > 1e-12 else []

    print("5. python/thelittlebaby_torch.py: load() and save()")
    with tempfile.TemporaryDirectory() as tmp:
        records, module_failures = module_checks(tmp, text, chars, train_data, FIXTURES if write_fixture else tmp)
    failures += module_failures

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
        (FIXTURES / "pytorch-train.json").write_text(json.dumps(trainings["nanoGPT's model"]) + "\n")
        (FIXTURES / "pytorch-train-mixtures.json").write_text(json.dumps(trainings["moh + top-2 moe"]) + "\n")
        (FIXTURES / "pytorch-module.json").write_text(json.dumps(records) + "\n")
        print(f"wrote the fixtures in {FIXTURES.relative_to(ROOT)}")
    if failures:
        sys.exit("disagreements beyond rounding:\n  " + "\n  ".join(failures))
    print("PyTorch and the lib agree in every check")


if __name__ == "__main__":
    main()
