// The document check: why the printed scores, weights and output cannot come from the formula.
import { describe, expect, it } from "vitest";
import {
  Matrix,
  checkDiagram,
  checkPrintedOutput,
  checkPrintedScores,
  describeOutside,
  determinant,
  diagram,
  largestMinor,
  singularValues,
} from "../lib/index.js";

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

  it("have rank at least 6, above the 4 that any Q K^T of X can have, even with nn.Linear's biases", () => {
    expect(report.scores.singularValues.map((s) => +s.toPrecision(2))).toEqual([4.9, 0.57, 0.36, 0.094, 0.078, 0.021]);
    expect(report.scores.roundingBound).toBeCloseTo(0.0003, 12);
    // The 5th singular value, 0.0785, is some 260 times what rounding to 4 decimals can move it.
    expect(report.scores.singularValues[4] / report.scores.roundingBound).toBeGreaterThan(250);
    expect(report.scores.rankAtLeast).toBe(6);
    expect(report.scores.rankBound).toBe(4); // d_in + 1 = 3 + 1 with a bias
    expect(report.scores.rankTooHigh).toBe(true);
  });

  it("are no Gram matrix Q Q^T: two negative eigenvalues and three pairs that break Cauchy-Schwarz", () => {
    expect(report.scores.negativeEigenvalues.map((e) => +e.toFixed(4))).toEqual([-0.0785, -0.094]);
    expect(report.scores.eigenvalues[0]).toBeCloseTo(4.8553, 4);
    // journey . with is printed 0.8775, but |q_journey| |q_with| = sqrt(1.3340 * 0.4761) = 0.7969.
    expect(report.scores.cauchySchwarz.map((b) => [b.row, b.col, b.score])).toEqual([
      [1, 3, 0.8775],
      [2, 3, 0.8375],
      [3, 5, 0.7489],
    ]);
    expect(report.scores.cauchySchwarz[0].bound).toBeCloseTo(Math.sqrt(1.334 * 0.4761), 12);
    expect(report.scores.cauchySchwarz[0].bound).toBeCloseTo(0.797, 3);
  });

  it("find no fault in a real Gram matrix, even one with a bias", () => {
    // Q = X W + b: rank d_in + 1, Q Q^T positive semidefinite.
    const q = Matrix.from(diagram.x.toArray().map((r) => [r[0] + 0.3, r[1] - 0.2, r[2] + 0.1, 1]));
    const gram = Matrix.from(q.toArray().map((a) => q.toArray().map((b) => +a.reduce((s, v, k) => s + v * b[k], 0).toFixed(4))));
    const check = checkPrintedScores(gram, gram, 3);
    expect(check.rankAtLeast).toBe(4);
    expect(check.rankTooHigh).toBe(false);
    expect(check.negativeEigenvalues).toEqual([]);
    expect(check.cauchySchwarz).toEqual([]);
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
    expect(worst).toMatchObject({ row: 2, col: 1, value: 7.3395, max: 0.87, side: "above" });
    expect(worst.excess).toBeCloseTo(6.4695, 12);
    expect(describeOutside(worst)).toBe("7.3395 is above the largest possible 0.87 by 6.4695");
  });

  it("says below the smallest possible value for a value under the column's minimum", () => {
    const typo = report.computed.output.clone();
    typo.set(3, 1, -0.5);
    const [low] = checkPrintedOutput(typo, report.computed.v).outside;
    expect(low).toMatchObject({ row: 3, col: 1, value: -0.5, min: 0.15, side: "below" });
    expect(describeOutside(low)).toBe("-0.5 is below the smallest possible 0.15 by 0.6500");
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
