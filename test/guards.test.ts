// Bad input stops at the public entry with a message that names it, instead of a NaN or a silent change later.
import { describe, expect, it } from "vitest";
import {
  Generator,
  Matrix,
  add,
  attendTo,
  attention,

  concatColumns,
  diagram,
  dropout,
  differenceHeatmap,
  fuseProjections,
  linearProjections,
  matmul,
  maxAbsDifference,
  multiHeadAttention,
  multiHeadWeights,
  resultDtype,
  sameAsInputWeights,
  selfAttention,
} from "../lib/index.js";

const f32 = Matrix.from([[1.5, 2]], { dtype: "float32" });
const f64 = Matrix.from([[0.1, 0.2]]);
const withNaN = (m: Matrix, i: number, j: number) => {
  const copy = m.clone();
  copy.data[i * copy.cols + j] = NaN; // only by writing data directly: set refuses NaN
  return copy;
};

describe("numbers that would turn into NaN later", () => {
  it("maxAbsDifference refuses a NaN instead of calling it agreement, and equal infinities agree", () => {
    expect(() => maxAbsDifference(withNaN(Matrix.from([[0, 1]]), 0, 0), Matrix.from([[5, 1]]))).toThrow(
      "maxAbsDifference: A (1x2) has NaN at [0][0]; every value must be finite or -Infinity (masked)",
    );
    const masked = new Matrix(1, 2, Float64Array.from([-Infinity, 1]));
    expect(maxAbsDifference(masked, masked.clone())).toEqual({ value: 0, row: 0, col: 0 });
  });

  it("matmul names the operand that holds a NaN", () => {
    expect(() => matmul(withNaN(diagram.x, 1, 2), diagram.kT)).toThrow(
      "matmul: A (6x3) has NaN at [1][2]; every value must be finite",
    );
  });

  it("Matrix.from rejects a value that overflows float32", () => {
    expect(() => Matrix.from([[1e39]], { dtype: "float32" })).toThrow(
      "Matrix.from: value at [0][0] is 1e+39, which overflows float32",
    );
  });

  it("attendTo checks Q, K and V like selfAttention checks X", () => {
    expect(() => attendTo(diagram.x, diagram.x, withNaN(diagram.x, 5, 0))).toThrow(
      "attendTo: V (6x3) has NaN at [5][0]; every value must be finite",
    );
  });

  it("the fused attention kernel reports a Q K^T that overflows", () => {
    const q = Matrix.from([[1e200, 1e200]]);
    const k = Matrix.from([[1e200, -1e200]]);
    expect(() => attention(q, k, Matrix.from([[1]]))).toThrow("attention: a score is NaN; Q K^T overflowed");
  });

  it("multi-head attention checks W_O, and refuses b_O without W_O", () => {
    const weights = multiHeadWeights(3, 4, { generator: new Generator(1) });
    expect(() => multiHeadAttention(diagram.x, { ...weights, wo: withNaN(weights.wo!, 0, 3) }, { heads: 2 })).toThrow(
      "multiHeadAttention: wo (4x4) has NaN at [0][3]; every value must be finite",
    );
    expect(() => multiHeadAttention(diagram.x, { ...weights, wo: undefined }, { heads: 2 })).toThrow(
      "multiHeadAttention: bo is given without wo; the output bias belongs to the output projection",
    );
  });

  it("differenceHeatmap lets two masked scores agree", () => {
    const steps = selfAttention(diagram.x, sameAsInputWeights(3), { causal: true });
    expect(differenceHeatmap(steps.scores, steps.scores.clone(), { labels: diagram.tokens }).mime).toBe("image/svg+xml");
  });
});

describe("no silent change of meaning", () => {
  it("mixed dtypes give float64 whatever the order, as matmul does", () => {
    expect(resultDtype(f32, f64)).toBe("float64");
    expect(add(f32, f64).dtype).toBe("float64");
    expect(add(f64, f32).dtype).toBe("float64");
    expect(add(f32, f64).row(0)).toEqual([1.6, 2.2]);
    expect(concatColumns([f32, f64]).row(0)).toEqual([1.5, 2, 0.1, 0.2]);
    expect(add(f32, f32).dtype).toBe("float32");
  });

  it("fuseProjections refuses biases it cannot fuse", () => {
    const weights = linearProjections(3, 2, { bias: true, generator: new Generator(2) });
    expect(() => fuseProjections(weights)).toThrow(
      "fuseProjections: bq is given, but the fused path has no biases; use selfAttention",
    );
  });

  it("attention scale takes a number as well as true, and refuses anything else", () => {
    const half = attendTo(diagram.x, diagram.x, diagram.x, { scale: 0.5 });
    expect(half.scores.get(0, 0)).toBeCloseTo(0.9995 * 0.5, 12);
    const sqrt = attendTo(diagram.x, diagram.x, diagram.x, { scale: true });
    expect(sqrt.scores.get(0, 0)).toBeCloseTo(0.9995 / Math.sqrt(3), 12);
    expect(() => attendTo(diagram.x, diagram.x, diagram.x, { scale: -1 })).toThrow(
      "attendTo: scale is -1; use true, false or a positive finite number",
    );
  });
});

describe("dropout keeps the input's dtype", () => {
  it("scales float32 values by the float32 quotient 1 / (1 - p), as PyTorch's float32 noise does", () => {
    const ones32 = Matrix.generate(4, 4, () => 1, { dtype: "float32" });
    const dropped = dropout(ones32, { rate: 0.1, generator: new Generator(3) });
    expect(dropped.dtype).toBe("float32");
    const kept = Array.from(dropped.data).filter((v) => v > 0);
    expect(kept.length).toBeGreaterThan(0);
    for (const v of kept) expect(v).toBe(Math.fround(1 / Math.fround(0.9)));
    expect(Math.fround(1 / Math.fround(0.9))).not.toBe(1 / 0.9);
  });
});
