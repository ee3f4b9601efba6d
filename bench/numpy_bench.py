"""numpy's times for the rows of bench/bench.mjs: matmul n x n and attention (T x d), float64 and float32.

Run by bench.mjs with /usr/bin/python3 (Debian's python3-numpy), one BLAS thread. Prints one JSON object:
which OpenBLAS kernel ran, and for every case the median time and the peak memory numpy allocated
(tracemalloc, measured in a separate untimed run).
"""
import ctypes
import ctypes.util
import json
import os
import sys
import time
import tracemalloc

import numpy as np


def blas_info():
    """The BLAS library numpy calls, and for OpenBLAS the core type of the kernel it picked."""
    info = {"numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info  # Debian's python3-threadpoolctl, when installed

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                info.update(library=pool.get("internal_api"), version=pool.get("version"),
                            core=pool.get("architecture"), threads=pool.get("num_threads"))
                return info
    except ImportError:
        pass
    # Without threadpoolctl: ask OpenBLAS itself through the BLAS library numpy is linked against (Debian: libblas.so.3).
    for name in ("libblas.so.3", ctypes.util.find_library("openblas") or "libopenblas.so.0"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info.update(library="openblas", version=lib.openblas_get_config().decode(),
                        core=lib.openblas_get_corename().decode(), threads=lib.openblas_get_num_threads())
            return info
        except (OSError, AttributeError):
            continue
    info["library"] = "unknown (not OpenBLAS?)"
    return info


def attention(q, k, v, scale, mask):
    s = (q @ k.T) * scale
    if mask is not None:
        s += mask  # 0 on and below the diagonal, -inf above
    s -= s.max(axis=1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=1, keepdims=True)
    return s @ v


def measure(run, budget_s=1.0, min_runs=5, max_runs=50):
    run()  # warmup
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - start < budget_s and len(times) < max_runs):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    times.sort()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    run()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"ms": times[len(times) // 2] * 1e3, "runs": len(times), "peakBytes": peak}


def main():
    spec = json.loads(sys.argv[1])
    rng = np.random.default_rng(0)
    cases = []
    for dtype in ("float64", "float32"):
        for n in spec["matmul"]:
            a = rng.uniform(-1, 1, (n, n)).astype(dtype)
            b = rng.uniform(-1, 1, (n, n)).astype(dtype)
            cases.append({"op": "matmul", "dtype": dtype, "n": n, **measure(lambda: a @ b)})
        d = spec["d"]
        for t in spec["attention"]:
            q, k, v = (rng.uniform(-1, 1, (t, d)).astype(dtype) for _ in range(3))
            causal_mask = np.triu(np.full((t, t), -np.inf, dtype=dtype), 1)
            for causal in (False, True):
                mask = causal_mask if causal else None
                result = measure(lambda: attention(q, k, v, 1 / np.sqrt(d), mask))
                cases.append({"op": "attention", "dtype": dtype, "n": t, "causal": causal, **result})
    env = {name: os.environ.get(name) for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")}
    print(json.dumps({"blas": blas_info(), "env": env, "cases": cases}))


main()
