// The document check: why the printed scores, weights and output cannot come from the formula.
import { describe, expect, it } from "vitest";
import { Matrix, checkDiagram, checkPrintedOutput, determinant, diagram, largestMinor, singularValues } from "../lib/index.js";

const report = checkDiagram();

describe("the printed scores", () => {
  it("are symmetric but none of the 36 cells is X X^T", () => {
    expect(report.scores.symmetric).toBe(true);
    expect(report.scores.matchingCells).toBe(0);
    // Largest gap: [0][1], printed 0.7254 against 0.43*0.55 + 0.15*0.87 + 0.89*0.66 = 0.9544.
    expect(report.scores.difference.row).toBe(0);
    expect(report.scores.difference.col).toBe(1);
    expect(report.scores.difference.value).toBeCloseTo(0.229, 12);
  });

  it("have rank above 3, which no 3-wide Q K^T can have", () => {
    expect(report.scores.singularValues.map((s) => +s.toPrecision(2))).toEqual([4.9, 0.57, 0.36, 0.094, 0.078, 0.021]);
    expect(report.scores.roundingBound).toBeCloseTo(0.0003, 12);
    expect(report.scores.rankExceedsInnerDimension).toBe(true);
    expect(report.scores.largestMinor4.rows).toEqual([0, 1, 4, 5]);
    expect(report.scores.largestMinor4.cols).toEqual([0, 1, 4, 5]);
    expect(report.scores.largestMinor4.determinant).toBeCloseTo(-0.03808, 5);
  });

  it("while the computed scores do have rank 3", () => {
    const sigma = singularValues(report.computed.scores);
    expect(sigma[2]).toBeGreaterThan(0.1);
    expect(sigma[3]).toBeLessThan(1e-7);
    expect(Math.abs(largestMinor(report.computed.scores, 4).determinant)).toBeLessThan(1e-12);
  });
});

describe("the printed weights", () => {
  it("have rows that sum to 1", () => {
    for (const s of report.weights.rowSums) expect(s).toBeCloseTo(1, 12);
  });

  it("are not the softmax of the printed scores, nor of X X^T", () => {
    expect(report.weights.fromPrintedScores).toMatchObject({ row: 1, col: 5 });
    expect(report.weights.fromPrintedScores.value).toBeCloseTo(0.0794, 4);
    expect(report.weights.fromComputedScores).toMatchObject({ row: 1, col: 5 });
    expect(report.weights.fromComputedScores.value).toBeCloseTo(0.0495, 4);
  });
});

describe("the printed output", () => {
  it("leaves the range every weighted average of V stays in", () => {
    expect(report.output.columnMin).toEqual([0.05, 0.15, 0.1]);
    expect(report.output.columnMax).toEqual([0.77, 0.87, 0.89]);
    expect(report.output.outside).toHaveLength(17);
    // Only one printed value lies within its column's range: 0.4061 at [4][2].
    expect(report.output.outside.some((o) => o.row === 4 && o.col === 2)).toBe(false);
    const worst = report.output.outside.reduce((a, b) => (b.excess > a.excess ? b : a));
    expect(worst).toMatchObject({ row: 2, col: 1, value: 7.3395, max: 0.87 });
    expect(worst.excess).toBeCloseTo(6.4695, 12);
  });

  it("while every computed output stays inside", () => {
    expect(checkPrintedOutput(report.computed.output, diagram.x).outside).toEqual([]);
  });

  it("names both shapes when the columns differ", () => {
    expect(() => checkPrintedOutput(Matrix.zeros(6, 2), diagram.x)).toThrow(
      "checkPrintedOutput: output is 6x2 but V is 6x3: column counts differ",
    );
  });
});

describe("determinant", () => {
  it("is exact on a small matrix worked by hand", () => {
    expect(determinant(Matrix.from([[2, 1], [1, 3]]))).toBeCloseTo(5, 14);
    expect(determinant(Matrix.from([[0, 1], [1, 0]]))).toBeCloseTo(-1, 14);
  });
});
