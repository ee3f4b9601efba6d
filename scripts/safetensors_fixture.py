"""Writes test/fixtures/gpt/reference.safetensors and reference-f16.safetensors with Hugging Face's own safetensors library, so the tests prove
that lib/io/safetensors.ts writes the same bytes and reads what the reference writes.

Needs `pip install safetensors numpy` (not a dependency of the project; the fixture is committed).
Run: python3 scripts/safetensors_fixture.py
"""
from pathlib import Path

import numpy as np
from safetensors.numpy import save

tensors = {
    "b.weight": np.array([[1, -2, 3.5], [0.25, 1e-8, -0.0]], dtype=np.float32),
    "a": np.array([np.pi, -1 / 3], dtype=np.float64),
    "c": np.zeros((0, 3), dtype=np.float32),
}
metadata = {"config": '{"x": 1}', "note": "h\u00e9llo"}
# float16, which our writer does not write but our reader widens: 1, -2, the largest, the smallest subnormal, 0.1.
half = {"h": np.array([1, -2, 65504, 2**-24, 0.1], dtype=np.float16)}
folder = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "gpt"
for name, content in [("reference.safetensors", save(tensors, metadata=metadata)), ("reference-f16.safetensors", save(half))]:
    (folder / name).write_bytes(content)
    print(f"wrote {folder / name} ({len(content)} bytes)")
