"""python/thelittlebaby_torch.py's plain-Python half, as a user without PyTorch has it (PyTorch is hidden even where
installed): prints JSON for test/python-module.test.ts. Usage: python3 test/helpers/torch_module_format.py FILE..."""
import json
import struct
import sys
import tempfile
from pathlib import Path

sys.modules["torch"] = None  # import torch now fails, as on a machine without it
ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "python"))
import thelittlebaby_torch as tlb  # noqa: E402


def error_of(action):
    try:
        action()
    except Exception as error:  # noqa: BLE001  the message is what the test checks
        return f"{type(error).__name__}: {error}"
    return None


def main():
    report = {"torch": tlb.torch is None, "files": {}}
    for name in sys.argv[1:]:
        raw = (ROOT / name).read_bytes()
        tensors, metadata = tlb.decode_safetensors(raw, name)
        entry = {
            "reencoded": tlb.encode_safetensors(tensors, metadata) == raw,
            "tensors": [[n, dtype, shape] for n, (dtype, shape, _) in tensors.items()],
            "metadataKeys": list(metadata),
        }
        if metadata.get("format") == tlb.FORMAT:  # written by the lib or by save(): the config and vocab as JavaScript writes them
            config = json.loads(metadata["config"])
            entry["config"] = config
            entry["configJson"] = tlb.config_json(tlb.GPTConfig.from_dict(config).to_lib()) == metadata["config"]
            entry["vocabJson"] = tlb.config_json(json.loads(metadata["vocab"])) == metadata["vocab"]
        f32 = [(n, shape, data) for n, (dtype, shape, data) in tensors.items() if dtype == "F32" and len(shape) == 1]
        if f32:
            n, shape, data = f32[0]
            entry["firstVector"] = [n, list(struct.unpack(f"<{shape[0]}f", data))]
        report["files"][name] = entry
    numbers = [0.0, -0.0, 1, 0.1, -2.5, 1e-7, 1.5e-7, 0.00001, 123456.0, 1e21, 1e20, 2.5e-300, 1 / 3, 0.01, 3e-3]
    report["numbers"] = tlb.config_json(numbers)
    raw = (ROOT / sys.argv[1]).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        report["errors"] = {
            "truncated": error_of(lambda: tlb.decode_safetensors(raw[:-100], "cut.safetensors")),
            "short": error_of(lambda: tlb.decode_safetensors(raw[:6], "cut.safetensors")),
            "header": error_of(lambda: tlb.decode_safetensors(struct.pack("<Q", 2) + b"[]", "list.safetensors")),
            "dtype": error_of(lambda: tlb.decode_safetensors(tlb.encode_safetensors({"x": ("F32", [1], b"\0\0\0\0")}).replace(b"F32", b"I32"), "i32")),
            "size": error_of(lambda: tlb.encode_safetensors({"x": ("F64", [2], b"\0" * 8)})),
            "moeOption": error_of(lambda: tlb.GPTConfig(vocab_size=65, n_experts=4)),
            "topK": error_of(lambda: tlb.GPTConfig(vocab_size=65, network="moe", expert_top_k=5)),
            "auxDense": error_of(lambda: tlb.GPTConfig(vocab_size=65, network="moe", aux_loss_weight=0.1)),
            "unknownOption": error_of(lambda: tlb.GPTConfig.from_dict({"vocabSize": 65, "nLayers": 2})),
            "twice": error_of(lambda: tlb.GPTConfig.from_dict({"vocabSize": 65, "vocab_size": 65})),
            "encode": error_of(lambda: tlb.CharTokenizer(["a", "b"]).encode("abcdc\u00e9")),
            "noTorch": error_of(lambda: tlb.load(Path(tmp) / "x.safetensors")),
        }
    report["defaults"] = {
        "sparse": tlb.GPTConfig(vocab_size=65, network="moe", expert_top_k=2).to_lib(),
        "dense": tlb.GPTConfig(vocab_size=65, network="moe").to_lib(),
        "plain": tlb.GPTConfig.from_dict({"vocab_size": 65, "n_layer": 6, "dropout": 0.2}).to_lib(),
    }
    tokenizer = tlb.CharTokenizer(["\n", " ", "a", "b"])
    report["tokenizer"] = [tokenizer.encode("ab a\n"), tokenizer.decode([3, 2, 1, 0])]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
