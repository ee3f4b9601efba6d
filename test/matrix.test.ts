// The Matrix basics, the elementwise operations and the error messages every public entry gives.
import { describe, expect, it } from "vitest";
import {
  Matrix,
  add,
  concatColumns,
  diagram,
  formatMatrix,
  map,
  matmul,
  rowSums,
  scale,
  selfAttention,
  sliceColumns,
  softmaxRows,
  subtract,
  transpose,
} from "../lib/index.js";

describe("Matrix", () => {
  it("round-trips number[][] with its shape", () => {
    const m = Matrix.from([[1, 2, 3], [4, 5, 6]]);
    expect(m.shape).toEqual([2, 3]);
    expect(m.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(m.get(1, 2)).toBe(6);
    m.set(1, 2, 7);
    expect(m.data[5]).toBe(7);
    expect(m.dtype).toBe("float64");
  });

  it("keeps float32 when asked", () => {
    const m = Matrix.from([[0.1]], { dtype: "float32" });
    expect(m.dtype).toBe("float32");
    expect(m.get(0, 0)).toBe(Math.fround(0.1));
  });

  it("prints like the diagram, with labels", () => {
    expect(diagram.x.toString().split("\n")[0]).toBe("[0.4300, 0.1500, 0.8900]");
    const text = formatMatrix(Matrix.from([[0.5, 1], [2, 0.25]]), { rowLabels: ["a", "bb"], colLabels: ["x", "y"], decimals: 2 });
    expect(text).toBe(["       x     y", "a  [0.50, 1.00]", "bb [2.00, 0.25]"].join("\n"));
    expect(formatMatrix(Matrix.from([[-0.00001, -0.5]]), { decimals: 2 })).toBe("[ 0.00, -0.50]");
  });
});

describe("operations", () => {
  const a = Matrix.from([[1, 2], [3, 4]]);
  const b = Matrix.from([[5, 6], [7, 8]]);

  it("multiply, transpose, add, subtract, scale, map and sum rows", () => {
    expect(matmul(a, b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(transpose(Matrix.from([[1, 2, 3]])).toArray()).toEqual([[1], [2], [3]]);
    expect(add(a, b).toArray()).toEqual([[6, 8], [10, 12]]);
    expect(subtract(b, a).toArray()).toEqual([[4, 4], [4, 4]]);
    expect(scale(a, 0.5).toArray()).toEqual([[0.5, 1], [1.5, 2]]);
    expect(map(a, (v, i, j) => v * 10 + i + j).toArray()).toEqual([[10, 21], [31, 42]]);
    expect(rowSums(a).toArray()).toEqual([[3], [7]]);
  });

  it("split and join columns", () => {
    const joined = concatColumns([a, b]);
    expect(joined.toArray()).toEqual([[1, 2, 5, 6], [3, 4, 7, 8]]);
    expect(sliceColumns(joined, 1, 3).toArray()).toEqual([[2, 5], [4, 7]]);
  });
});

describe("softmaxRows", () => {
  it("stays finite for scores of 1000 and -1000", () => {
    const w = softmaxRows(Matrix.from([[1000, 1000, -1000], [-1000, -1000, -1000]]));
    expect(w.row(0)).toEqual([0.5, 0.5, 0]);
    for (const v of w.row(1)) expect(v).toBeCloseTo(1 / 3, 15);
  });

  it("gives exactly 0 for a masked (-Infinity) score", () => {
    const w = softmaxRows(new Matrix(1, 3, Float64Array.from([0, -Infinity, 0])));
    expect(w.row(0)).toEqual([0.5, 0, 0.5]);
  });

  it("refuses a row masked everywhere, and NaN", () => {
    expect(() => softmaxRows(new Matrix(1, 2, Float64Array.from([-Infinity, -Infinity])))).toThrow(
      "softmaxRows: row 0 of 1x2 is masked everywhere (all -Infinity); softmax needs at least one score",
    );
    const withNaN = Matrix.zeros(1, 2);
    withNaN.data[1] = NaN; // only by writing data directly: the constructor, from, generate and set refuse NaN
    expect(() => softmaxRows(withNaN)).toThrow(
      "softmaxRows: scores (1x2) has NaN at [0][1]; every value must be finite or -Infinity (masked)",
    );
  });
});

describe("errors name the operation and both shapes", () => {
  it("matmul of incompatible shapes", () => {
    expect(() => matmul(diagram.x, diagram.x)).toThrow("matmul: 6x3 times 6x3: inner dimensions 3 and 6 differ");
  });

  it("a ragged number[][]", () => {
    expect(() => Matrix.from([[1, 2], [3]])).toThrow("Matrix.from: ragged rows: row 0 has 2 values but row 1 has 1");
  });

  it("an empty matrix", () => {
    expect(() => Matrix.from([])).toThrow("Matrix.from: no rows; a matrix needs at least one row with one value");
    expect(() => Matrix.from([[]])).toThrow("Matrix.from: row 0 is empty; a matrix needs at least one row with one value");
    expect(() => Matrix.zeros(0, 3)).toThrow("Matrix.zeros: a matrix needs at least 1 row and 1 column, got 0x3");
  });

  it("a NaN or Infinity in an input", () => {
    expect(() => Matrix.from([[1, NaN]])).toThrow("Matrix.from: value at [0][1] is NaN; every value must be a finite number");
    expect(() => Matrix.from([[Infinity]])).toThrow("Matrix.from: value at [0][0] is Infinity; every value must be a finite number");
    const x = diagram.x.clone();
    x.data[2 * 3 + 1] = NaN; // only by writing data directly: set refuses NaN
    expect(() => selfAttention(x, { wq: Matrix.identity(3), wk: Matrix.identity(3), wv: Matrix.identity(3) })).toThrow(
      "selfAttention: X (6x3) has NaN at [2][1]; every value must be finite",
    );
  });

  it("weights whose row count is not X's column count", () => {
    const w = Matrix.identity(3);
    expect(() => selfAttention(diagram.x, { wq: Matrix.zeros(2, 3), wk: w, wv: w })).toThrow(
      "selfAttention: wq is 2x3 but X is 6x3: wq needs 3 rows, one per column of X",
    );
    expect(() => selfAttention(diagram.x, { wq: w, wk: Matrix.zeros(3, 2), wv: w })).toThrow(
      "selfAttention: wq is 3x3 and wk is 3x2: queries and keys need the same width to be compared",
    );
  });

  it("elementwise operations on different shapes, and indices outside", () => {
    expect(() => add(diagram.x, diagram.kT)).toThrow("add: shapes 6x3 and 3x6 differ");
    expect(() => diagram.x.get(6, 0)).toThrow("Matrix.get: index [6][0] is outside 6x3");
    expect(() => formatMatrix(diagram.x, { rowLabels: ["a"] })).toThrow("formatMatrix: 1 row labels for a 6x3 matrix (need 6)");
  });
});
