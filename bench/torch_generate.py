"""PyTorch's side of the generation rows of bench/bench.mjs: characters per second of nanoGPT's generate.

Loads a checkpoint of the lib with python/thelittlebaby_torch.py and times its generate, which is nanoGPT's: no
cache, every new character runs the whole context, cropped to the last block_size. Same start (token 0, the "\\n"
of Shakespeare's characters), temperature 1, one thread unless told. Prints one JSON object.
    torch_generate.py CHECKPOINT NEW_TOKENS REPEATS THREADS
"""
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))
import thelittlebaby_torch as tlb  # noqa: E402


def main():
    path, new_tokens, repeats, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1337)
    model = tlb.load(path)
    model.eval()
    start = torch.zeros((1, 1), dtype=torch.long)
    model.generate(start, 8)  # warmup
    times, cpu_times = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        model.generate(start, new_tokens)
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    seconds, cpu_seconds = sorted(times)[len(times) // 2], sorted(cpu_times)[len(cpu_times) // 2]
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "python": sys.executable,
        "chars_per_second": new_tokens / seconds, "cpu_chars_per_second": new_tokens / cpu_seconds,
    }))


if __name__ == "__main__":
    main()
