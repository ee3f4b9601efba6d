// The diagram's inputs are exact; the formula's results are checked against sums worked by hand.
import { describe, expect, it } from "vitest";
import { Matrix, diagram, maxAbsDifference, rowSums, sameAsInputWeights, selfAttention, transpose } from "../lib/index.js";

const steps = selfAttention(diagram.x, sameAsInputWeights(3));

describe("the diagram's inputs", () => {
  it("has the six tokens of the sentence", () => {
    expect(diagram.tokens).toEqual(["Your", "journey", "starts", "with", "one", "step"]);
  });

  it("has X exactly as printed", () => {
    expect(diagram.x.shape).toEqual([6, 3]);
    expect(diagram.x.row(0)).toEqual([0.43, 0.15, 0.89]);
    expect(diagram.x.row(5)).toEqual([0.05, 0.8, 0.55]);
  });

  it("prints K^T as exactly X transposed", () => {
    expect(diagram.kT.shape).toEqual([3, 6]);
    expect(transpose(diagram.x).toArray()).toEqual(diagram.kT.toArray());
    expect(steps.kT.toArray()).toEqual(diagram.kT.toArray());
  });
});

describe("self-attention with W = identity (the diagram's 'same as input')", () => {
  it("gives Q = K = V = X exactly", () => {
    for (const m of [steps.q, steps.k, steps.v]) expect(m.toArray()).toEqual(diagram.x.toArray());
  });

  it("walks the shapes 6x3 -> 3x6 -> 6x6 -> 6x6 -> 6x3", () => {
    expect([steps.q.shape, steps.kT.shape, steps.scores.shape, steps.weights.shape, steps.output.shape]).toEqual([
      [6, 3],
      [3, 6],
      [6, 6],
      [6, 6],
      [6, 3],
    ]);
  });

  it("computes scores as dot products worked by hand", () => {
    expect(steps.scores.get(0, 0)).toBeCloseTo(0.43 * 0.43 + 0.15 * 0.15 + 0.89 * 0.89, 12);
    expect(steps.scores.get(0, 0)).toBeCloseTo(0.9995, 12);
    expect(steps.scores.get(0, 1)).toBeCloseTo(0.43 * 0.55 + 0.15 * 0.87 + 0.89 * 0.66, 12); // 0.9544
    expect(steps.scores.get(1, 1)).toBeCloseTo(0.55 ** 2 + 0.87 ** 2 + 0.66 ** 2, 12); // 1.4950
    expect(steps.scores.get(4, 5)).toBeCloseTo(0.77 * 0.05 + 0.25 * 0.8 + 0.1 * 0.55, 12); // 0.2935
    expect(maxAbsDifference(steps.scores, transpose(steps.scores)).value).toBe(0);
  });

  it("turns each row of scores into weights that sum to 1", () => {
    // Row 0 by hand: exp(s - max) / sum, with max = 0.9995 at column 0.
    const row0 = steps.scores.row(0).map((s) => Math.exp(s - 0.9995));
    const sum = row0.reduce((a, b) => a + b, 0);
    steps.weights.row(0).forEach((w, j) => expect(w).toBeCloseTo(row0[j] / sum, 12));
    expect(steps.weights.get(0, 0)).toBeCloseTo(0.2098, 4);
    for (const s of rowSums(steps.weights).data) expect(s).toBeCloseTo(1, 14);
  });

  it("gives outputs that are weighted averages of V's rows", () => {
    expect(steps.output.row(0).map((v) => +v.toFixed(4))).toEqual([0.4421, 0.5931, 0.579]);
    const w = steps.weights.row(0);
    expect(steps.output.get(0, 0)).toBeCloseTo(w.reduce((sum, wj, j) => sum + wj * diagram.x.get(j, 0), 0), 14);
    for (let col = 0; col < 3; col++) {
      const column = diagram.x.column(col);
      for (const value of steps.output.column(col)) {
        expect(value).toBeGreaterThanOrEqual(Math.min(...column));
        expect(value).toBeLessThanOrEqual(Math.max(...column));
      }
    }
  });

  it("scales scores by 1/sqrt(d_k) when asked", () => {
    const scaled = selfAttention(diagram.x, sameAsInputWeights(3), { scale: true });
    expect(scaled.scores.get(0, 0)).toBeCloseTo(0.9995 / Math.sqrt(3), 12);
    for (const s of rowSums(scaled.weights).data) expect(s).toBeCloseTo(1, 14);
  });

  it("works with other d_in x d_out weights", () => {
    const wq = Matrix.from([[1, 0], [0, 1], [0, 0]]);
    const wv = Matrix.from([[1], [1], [1]]);
    const steps2 = selfAttention(diagram.x, { wq, wk: wq, wv });
    expect(steps2.q.shape).toEqual([6, 2]);
    expect(steps2.scores.get(0, 0)).toBeCloseTo(0.43 ** 2 + 0.15 ** 2, 12);
    expect(steps2.output.shape).toEqual([6, 1]);
  });
});
