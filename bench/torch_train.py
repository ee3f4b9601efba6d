"""PyTorch's side of the training row of bench/bench.mjs: tokens per second of forward + backward + AdamW.

Run by bench.mjs with TORCH_PYTHON (a PyPI torch, as a user installs it) or /usr/bin/python3 (Debian's
python3-torch), at the given number of threads, on the same config and batch size as the TypeScript rows. Prints
one JSON object: torch's version and BLAS, the median seconds per step (wall clock and this process's CPU time,
all threads), tokens per second, the process's peak resident memory and the growth of that peak over one step.
    torch_train.py CONFIG_JSON BATCH STEPS THREADS
"""
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))
from thelittlebaby_torch import GPT  # noqa: E402


def blas():
    """Which BLAS torch's matrix products run on: MKL (PyPI wheels), or Debian's libblas.so.3 (its reference BLAS is 20x slower than OpenBLAS)."""
    if torch.backends.mkl.is_available():
        found = re.search(r"Math Kernel Library Version ([^\s]+)", torch.__config__.show())
        return "MKL " + (found.group(1) if found else "")
    try:
        import ctypes

        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_config.restype = ctypes.c_char_p
        return "OpenBLAS " + lib.openblas_get_config().decode()
    except (OSError, AttributeError):
        return "reference BLAS (apt-get install libopenblas0-pthread for a fair anchor)"


def cpu_capability():
    """The vector instructions torch's own kernels use here (AVX2, AVX512...); torch 1.13 cannot say."""
    backend = getattr(torch.backends, "cpu", None)
    return backend.get_cpu_capability() if backend is not None else "unknown"


def main():
    config = json.loads(sys.argv[1])
    batch, steps, threads = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1337)
    model = GPT(config)
    optimizer = model.configure_optimizers(learning_rate=1e-3)
    T = config["blockSize"]
    x = torch.randint(config["vocabSize"], (batch, T))
    y = torch.randint(config["vocabSize"], (batch, T))

    def step():
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    step()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    times, cpu_times = [], []
    for _ in range(steps):
        start, cpu_start = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    seconds = sorted(times)[len(times) // 2]
    cpu_seconds = sorted(cpu_times)[len(cpu_times) // 2]
    print(json.dumps({
        "torch": torch.__version__, "blas": blas(), "threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"), "capability": cpu_capability(),
        "seconds_per_step": seconds, "tokens_per_second": batch * T / seconds,
        "cpu_seconds_per_step": cpu_seconds, "cpu_tokens_per_second": batch * T / cpu_seconds,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "peak_step_bytes": peak_kb * 1024,
    }))


if __name__ == "__main__":
    main()
