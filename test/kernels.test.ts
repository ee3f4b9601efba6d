// The fast kernels against the readable definitions: matmulReference, and attention step by step.
// Tolerances: the TypeScript kernels sum in float64 in the reference's order, so they must match it
// exactly; the WebAssembly kernels sum in float32 in another order, so element (i, j) of a product may
// differ by (k + 2) * 2^-23 * sum_k |A[i][k]| |B[k][j]| (twice the textbook float32 bound).
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Matrix,
  attention,
  map,
  matmul,
  matmulReference,
  resultDtype,
  maxAbsDifference,
  scale,
  softmaxRows,
  transpose,
  wasmKernels,
  type DType,
} from "../lib/index.js";

// A small seeded generator, so every run multiplies the same numbers.
function seeded(rows: number, cols: number, seed: number, dtype: DType = "float64"): Matrix {
  let state = seed >>> 0;
  return Matrix.generate(rows, cols, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  }, { dtype });
}

function expectSameBits(actual: Matrix, expected: Matrix): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  expect(Array.from(actual.data)).toEqual(Array.from(expected.data));
}

/** Every |actual - reference| within (k + 2) * 2^-23 * (|A| |B|), the float32 bound above. */
function expectWithinFloat32Bound(actual: Matrix, a: Matrix, b: Matrix): void {
  const reference = matmulReference(a.astype("float64"), b.astype("float64"));
  const bound = matmulReference(map(a, Math.abs).astype("float64"), map(b, Math.abs).astype("float64"));
  const factor = (a.cols + 2) * 2 ** -23;
  expect(actual.shape).toEqual(reference.shape);
  for (let i = 0; i < reference.data.length; i++) {
    expect(Math.abs(actual.data[i] - reference.data[i])).toBeLessThanOrEqual(factor * bound.data[i]);
  }
}

// [rows of A, inner, columns of B]: tiny, vectors, odd edges, the diagram's 6x3, several KC = 256 blocks, mid sizes.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 9, 1], [9, 1, 9], [1, 40, 17], [40, 1, 3], [31, 17, 1], [7, 13, 5], [6, 3, 6], [3, 6, 3],
  [17, 33, 19], [5, 600, 3], [64, 64, 64], [130, 257, 129],
];

describe("matmul kernels agree with matmulReference", () => {
  it.each(SHAPES)("packed float64 %ix%i times %ix... equals it to the last bit", (m, k, n) => {
    const [a, b] = [seeded(m, k, 1), seeded(k, n, 2)];
    expectSameBits(matmul(a, b, { kernel: "packed" }), matmulReference(a, b));
    expectSameBits(matmul(a, b), matmulReference(a, b));
  });

  it.each(SHAPES)("packed float32 %ix%i equals it to the last bit (summed in float64, rounded once)", (m, k, n) => {
    const [a, b] = [seeded(m, k, 3, "float32"), seeded(k, n, 4, "float32")];
    expectSameBits(matmul(a, b, { kernel: "packed" }), matmulReference(a, b));
  });

  it.each(SHAPES)("wasm float32 %ix%i is within the float32 bound", (m, k, n) => {
    const [a, b] = [seeded(m, k, 5, "float32"), seeded(k, n, 6, "float32")];
    const c = matmul(a, b, { kernel: "wasm" });
    expect(c.dtype).toBe("float32");
    expectWithinFloat32Bound(c, a, b);
  });

  it("auto picks wasm for float32 and stays within the bound; tiny float32 products equal the reference", () => {
    const [a, b] = [seeded(70, 90, 7, "float32"), seeded(90, 50, 8, "float32")];
    expectWithinFloat32Bound(matmul(a, b), a, b);
    const [x, y] = [seeded(6, 3, 9, "float32"), seeded(3, 6, 10, "float32")];
    expectSameBits(matmul(x, y), matmulReference(x, y));
  });

  it("prints the diagram-sized product exactly as the reference does", () => {
    const x = Matrix.from([[1, 0, 1], [0, 2, 0], [1, 1, 1], [0.5, 0.25, 2], [3, 1, 0], [1, 2, 3]]);
    expect(matmul(x, transpose(x)).toString()).toBe(matmulReference(x, transpose(x)).toString());
    expect(matmul(x, transpose(x)).get(3, 5)).toBe(0.5 + 0.5 + 6);
  });

  it("mixed dtypes give float64, the product of the widened values", () => {
    const [a, b] = [seeded(20, 30, 11, "float32"), seeded(30, 10, 12)];
    expect(resultDtype(a, b)).toBe("float64");
    expect(resultDtype(a, a.astype("float32"))).toBe("float32");
    expectSameBits(matmul(a, b), matmulReference(a.astype("float64"), b));
  });

  it("rejects mismatched shapes naming both, unknown kernels, and float64 on the wasm kernel", () => {
    const a = seeded(2, 3, 13);
    expect(() => matmul(a, a)).toThrow("matmul: 2x3 times 2x3: inner dimensions 3 and 2 differ");
    expect(() => matmul(a, a, { kernel: "packed" })).toThrow("2x3 times 2x3");
    expect(() => matmul(a, transpose(a), { kernel: "fast" as never })).toThrow('matmul: option kernel must be one of "auto", "reference", "packed", "wasm", got "fast"');
    expect(() => matmul(a, transpose(a), { kernel: "wasm" })).toThrow("the wasm kernel is float32 only");
  });
});

describe("the WebAssembly kernels", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it("load here (Node 20 runs WebAssembly SIMD)", () => {
    expect(wasmKernels()).toEqual({ available: true });
  });

  it("fall back to the TypeScript kernel where WebAssembly is missing", async () => {
    vi.resetModules();
    vi.stubGlobal("WebAssembly", undefined);
    const fresh = await import("../lib/index.js");
    expect(fresh.wasmKernels()).toEqual({ available: false, reason: "this JavaScript engine has no WebAssembly" });
    const [a, b] = [seeded(40, 50, 14, "float32"), seeded(50, 30, 15, "float32")];
    const c = fresh.matmul(a, b);
    expect(c.dtype).toBe("float32");
    expect(Array.from(c.data)).toEqual(Array.from(matmulReference(a, b).data));
    expect(() => fresh.matmul(a, b, { kernel: "wasm" })).toThrow("the wasm kernel is unavailable: this JavaScript engine has no WebAssembly");
  });

  it("fall back when the engine cannot compile SIMD, and say why", async () => {
    vi.resetModules();
    vi.stubGlobal("WebAssembly", {
      Module: class {
        constructor() {
          throw new Error("Compiling function failed: invalid simd opcode");
        }
      },
      Instance: class {},
    });
    const fresh = await import("../lib/index.js");
    expect(fresh.wasmKernels()).toEqual({
      available: false,
      reason: "WebAssembly SIMD kernels did not load: Compiling function failed: invalid simd opcode",
    });
    const q = seeded(20, 8, 16, "float32");
    expect(fresh.attention(q, q, q).output.dtype).toBe("float32");
  });

  it("the committed module is exactly what asm/kernels.ts compiles to", () => {
    const out = execFileSync(process.execPath, ["asm/build.mjs", "--check"], { encoding: "utf8" });
    expect(out.trim()).toBe("lib/kernels/wasmBinary.ts matches asm/kernels.ts");
  }, 120_000);
});

/** The composition a learner reads: Q K^T with a transpose copy, scale, -Infinity above the diagonal, softmax, times V. */
function stepByStep(q: Matrix, k: Matrix, v: Matrix, options: { causal?: boolean; factor?: number }): { weights: Matrix; output: Matrix } {
  let scores = matmulReference(q, transpose(k));
  if (options.factor !== undefined) scores = scale(scores, options.factor);
  if (options.causal) scores = map(scores, (s, i, j) => (j > i ? -Infinity : s));
  const weights = softmaxRows(scores);
  return { weights, output: matmulReference(weights, v) };
}

// [queries, keys, d, d_v, causal, scale]: one token, the diagram's 6x3, several row blocks with odd edges, fewer queries than keys, many keys.
const ATTENTION_CASES: [number, number, number, number, boolean, boolean | number][] = [
  [1, 1, 1, 1, false, false], [1, 1, 4, 3, true, true], [6, 6, 3, 3, false, false], [6, 6, 3, 3, true, false],
  [37, 37, 8, 8, true, true], [70, 70, 13, 5, true, true], [70, 70, 16, 24, false, true], [5, 9, 7, 4, false, 0.5],
  [20, 300, 8, 8, false, true], [300, 300, 4, 9, true, true], // more keys than one KC = 256 pass
  [64, 64, 8, 8, true, true], // no edges: every score and output comes from the 4x4 blocks, diagonal blocks included
];

describe("attention agrees with the step-by-step composition", () => {
  it.each(ATTENTION_CASES)("packed float64 %i queries, %i keys, d=%i, d_v=%i, causal %s, scale %s: same bits", (t, s, d, dv, causal, scaleOption) => {
    const [q, k, v] = [seeded(t, d, 21), seeded(s, d, 22), seeded(s, dv, 23)];
    const factor = scaleOption === true ? 1 / Math.sqrt(d) : scaleOption === false ? undefined : scaleOption;
    const expected = stepByStep(q, k, v, { causal, factor });
    const fused = attention(q, k, v, { causal, scale: scaleOption, weights: true });
    expectSameBits(fused.output, expected.output);
    expectSameBits(fused.weights as Matrix, expected.weights);
    expectSameBits(attention(q, k, v, { causal, scale: scaleOption }).output, expected.output);
    expect(attention(q, k, v, { causal }).weights).toBeUndefined();
  });

  it.each(ATTENTION_CASES)("wasm float32 %i queries, %i keys, d=%i, d_v=%i, causal %s, scale %s: within 2e-6", (t, s, d, dv, causal, scaleOption) => {
    const [q, k, v] = [seeded(t, d, 24, "float32"), seeded(s, d, 25, "float32"), seeded(s, dv, 26, "float32")];
    const factor = scaleOption === true ? 1 / Math.sqrt(d) : scaleOption === false ? undefined : scaleOption;
    const expected = stepByStep(q.astype("float64"), k.astype("float64"), v.astype("float64"), { causal, factor });
    const fused = attention(q, k, v, { causal, scale: scaleOption, kernel: "wasm" });
    expect(fused.output.dtype).toBe("float32");
    // Weights are at most 1 and |V| < 1: each output is an average, so float32 rounding stays near 2^-23 per step.
    expect(maxAbsDifference(fused.output.astype("float64"), expected.output).value).toBeLessThan(2e-6);
  });

  it("float32 on the TypeScript kernel rounds the float64 result once", () => {
    const [q, k, v] = [seeded(30, 8, 27, "float32"), seeded(30, 8, 28, "float32"), seeded(30, 8, 29, "float32")];
    const expected = stepByStep(q.astype("float64"), k.astype("float64"), v.astype("float64"), { causal: true });
    const fused = attention(q, k, v, { causal: true, kernel: "packed" });
    expect(Array.from(fused.output.data)).toEqual(Array.from(expected.output.astype("float32").data));
  });

  it("a causal first row attends to itself only", () => {
    const [q, k, v] = [seeded(9, 4, 30), seeded(9, 4, 31), seeded(9, 2, 32)];
    const fused = attention(q, k, v, { causal: true, weights: true });
    expect((fused.weights as Matrix).row(0)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(fused.output.row(0)).toEqual(v.row(0));
  });

  it("rejects shapes that do not fit, naming them, and non-finite input", () => {
    const [q, k, v] = [seeded(4, 3, 33), seeded(5, 3, 34), seeded(5, 2, 35)];
    expect(() => attention(q, seeded(5, 2, 36), v)).toThrow("attention: Q is 4x3 and K is 5x2");
    expect(() => attention(q, k, seeded(4, 2, 37))).toThrow("attention: K is 5x3 and V is 4x2");
    expect(() => attention(q, k, v, { causal: true })).toThrow("attention: causal needs one query per key, got Q 4x3 and K 5x3");
    expect(() => attention(q, k, v, { scale: -1 })).toThrow("scale is -1");
    const bad = q.clone();
    bad.data[1 * 3 + 2] = NaN;
    expect(() => attention(bad, k, v)).toThrow("attention: Q (4x3) has NaN at [1][2]");
    expect(() => attention(q, k, v, { kernel: "wasm" })).toThrow("the wasm kernel takes float32 Q, K, V");
    expect(() => attention(q, k, v, { kernel: "simd" as never })).toThrow('attention: option kernel must be one of "auto", "packed", "wasm", got "simd"');
  });
});
