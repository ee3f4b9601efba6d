// Attention the rest of the way: trainable projections, scaling, causal mask, dropout, multi-head, batches.
import { describe, expect, it } from "vitest";
import {
  Generator,
  Matrix,
  applyMask,
  causalMask,
  concatColumns,
  diagram,
  dropoutMask,
  linearProjections,
  maxAbsDifference,
  multiHeadAttention,
  multiHeadAttentionBatch,
  multiHeadWeights,
  randomProjections,
  rowSums,
  sameAsInputWeights,
  selfAttention,
  selfAttentionBatch,
  sliceColumns,
} from "../lib/index.js";

const x = diagram.x;

/** The largest difference from values printed with 4 decimals. */
function distance(m: Matrix, printed: number[][]): number {
  return maxAbsDifference(m, Matrix.from(printed)).value;
}

const causalWeights = [
  [1.0, 0, 0, 0, 0, 0],
  [0.5517, 0.4483, 0, 0, 0, 0],
  [0.38, 0.3097, 0.3103, 0, 0, 0],
  [0.2758, 0.246, 0.2462, 0.2319, 0, 0],
  [0.2175, 0.1983, 0.1984, 0.1888, 0.1971, 0],
  [0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529],
];
const causalOutput = [
  [-0.4519, 0.2216],
  [-0.5874, 0.0058],
  [-0.63, -0.0632],
  [-0.5675, -0.0843],
  [-0.5526, -0.0981],
  [-0.5299, -0.1081],
];

describe("trainable projections and scaling (PyTorch reference values)", () => {
  it("torch.rand weights with seed 123: scores, scaled weights and context of token 2", () => {
    const steps = selfAttention(x, randomProjections(3, 2, { generator: new Generator(123) }), { scale: true });
    expect(distance(Matrix.from([steps.q.row(1)]), [[0.4306, 1.4551]])).toBeLessThan(5e-5);
    const rawRow = steps.scores.row(1).map((s) => s * Math.sqrt(2));
    expect(distance(Matrix.from([rawRow]), [[1.2705, 1.8524, 1.8111, 1.0795, 0.5577, 1.544]])).toBeLessThan(5e-5);
    expect(distance(Matrix.from([steps.weights.row(1)]), [[0.15, 0.2264, 0.2199, 0.1311, 0.0906, 0.182]])).toBeLessThan(5e-5);
    expect(distance(steps.output, [[0.2996, 0.8053], [0.3061, 0.821], [0.3058, 0.8203], [0.2948, 0.7939], [0.2927, 0.7891], [0.299, 0.804]])).toBeLessThan(5e-5);
  });

  it("nn.Linear weights with seed 789 (no bias): the scaled attention output", () => {
    const steps = selfAttention(x, linearProjections(3, 2, { generator: new Generator(789) }), { scale: true });
    expect(distance(steps.output, [[-0.0739, 0.0713], [-0.0748, 0.0703], [-0.0749, 0.0702], [-0.076, 0.0685], [-0.0763, 0.0679], [-0.0754, 0.0693]])).toBeLessThan(5e-5);
    expect(distance(Matrix.from([steps.weights.row(0)]), [[0.1921, 0.1646, 0.1652, 0.155, 0.1721, 0.151]])).toBeLessThan(5e-5);
  });

  it("adds projection biases to Q, K and V", () => {
    const w = { ...sameAsInputWeights(3), bq: Matrix.from([[1, 0, 0]]), bv: Matrix.from([[0, 0, 2]]) };
    const steps = selfAttention(x, w);
    expect(steps.q.get(0, 0)).toBeCloseTo(1.43, 12);
    expect(steps.k.get(0, 0)).toBe(0.43);
    expect(steps.v.get(5, 2)).toBeCloseTo(2.55, 12);
  });

  it("keeps the diagram's unscaled, unmasked behaviour by default", () => {
    const steps = selfAttention(x, sameAsInputWeights(3));
    expect(steps.scores.get(0, 0)).toBeCloseTo(0.9995, 12);
    expect(steps.mask).toBeUndefined();
    expect(steps.weightsBeforeDropout).toBeUndefined();
  });
});

describe("causal attention", () => {
  const weights = linearProjections(3, 2, { generator: new Generator(789) });

  it("hides later tokens: -Infinity scores, exactly 0 weights, rows summing to 1 (PyTorch reference values)", () => {
    const steps = selfAttention(x, weights, { causal: true });
    expect(steps.scores.get(0, 1)).toBe(-Infinity);
    expect(distance(Matrix.from([steps.scores.row(5)]), [[0.3408, 0.127, 0.129, 0.0198, 0.129, 0.0078]])).toBeLessThan(5e-5);
    const scaled = selfAttention(x, weights, { causal: true, scale: true });
    expect(distance(scaled.weights, causalWeights)).toBeLessThan(5e-5);
    expect(scaled.weights.get(2, 3)).toBe(0);
    expect(maxAbsDifference(rowSums(scaled.weights), Matrix.generate(6, 1, () => 1)).value).toBeLessThan(1e-12);
    expect(scaled.mask?.toArray()).toEqual(causalMask(6).toArray());
  });

  it("leaves output row i unchanged when a later token changes", () => {
    const changed = x.clone();
    changed.set(4, 0, 9);
    changed.set(5, 2, -3);
    const before = selfAttention(x, weights, { causal: true, scale: true }).output;
    const after = selfAttention(changed, weights, { causal: true, scale: true }).output;
    for (let i = 0; i < 4; i++) expect(after.row(i)).toEqual(before.row(i));
    expect(after.get(4, 0)).not.toBe(before.get(4, 0));
  });

  it("builds the mask like torch.triu(ones, 1) and combines it with a given mask", () => {
    expect(causalMask(3).toArray()).toEqual([[0, 1, 1], [0, 0, 1], [0, 0, 0]]);
    const hideSecond = Matrix.generate(6, 6, (_, j) => (j === 1 ? 1 : 0));
    const steps = selfAttention(x, weights, { causal: true, mask: hideSecond });
    expect(steps.mask?.row(1)).toEqual([0, 1, 1, 1, 1, 1]);
    expect(steps.weights.row(1)).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it("refuses a row masked everywhere instead of returning NaN", () => {
    const hideFirst = Matrix.generate(6, 6, (_, j) => (j === 0 ? 1 : 0));
    expect(() => selfAttention(x, weights, { causal: true, mask: hideFirst, scale: true })).toThrow(
      "selfAttention: row 0 of 6x6 is masked everywhere (all -Infinity); softmax needs at least one score",
    );
  });

  it("rejects masks of the wrong shape or with values other than 0 and 1", () => {
    expect(() => applyMask(Matrix.zeros(6, 6), causalMask(5))).toThrow("applyMask: shapes 6x6 and 5x5 differ");
    expect(() => applyMask(Matrix.zeros(2, 2), Matrix.from([[0, 0.5], [0, 0]]))).toThrow(
      "applyMask: mask (2x2) has 0.5 at [0][1]; use 1 to hide a score and 0 to keep it",
    );
  });
});

describe("dropout on the attention weights", () => {
  const weights = linearProjections(3, 2, { generator: new Generator(789) });

  it("drops after softmax in training mode (PyTorch reference values)", () => {
    const dropout = { rate: 0.5, generator: new Generator(123) };
    const steps = selfAttention(x, weights, { causal: true, scale: true, dropout });
    expect(distance(steps.weightsBeforeDropout as Matrix, causalWeights)).toBeLessThan(5e-5);
    expect(distance(steps.weights, [
      [2.0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0.7599, 0.6194, 0.6206, 0, 0, 0],
      [0, 0.4921, 0.4925, 0, 0, 0],
      [0, 0.3966, 0, 0.3775, 0, 0],
      [0, 0.3327, 0.3331, 0.3084, 0.3331, 0],
    ])).toBeLessThan(1e-4);
    expect(steps.dropoutMask?.row(0)).toEqual([2, 2, 0, 2, 2, 0]);
  });

  it("is off in evaluation mode", () => {
    const steps = selfAttention(x, weights, { causal: true, scale: true, dropout: { rate: 0.5, training: false } });
    expect(distance(steps.weights, causalWeights)).toBeLessThan(5e-5);
    expect(steps.dropoutMask).toBeUndefined();
  });

  it("rejects a rate outside [0, 1)", () => {
    expect(() => selfAttention(x, weights, { dropout: { rate: 1.5 } })).toThrow("selfAttention: dropout option rate must be in [0, 1], got 1.5");
  });
});

describe("batches", () => {
  it("attends over each sequence of a batch (PyTorch reference values, causal attention with seed 123)", () => {
    const steps = selfAttentionBatch([x, x], linearProjections(3, 2, { generator: new Generator(123) }), { causal: true, scale: true });
    expect(steps).toHaveLength(2);
    for (const s of steps) expect(distance(s.output, causalOutput)).toBeLessThan(5e-5);
  });

  it("names both shapes when the sequences differ", () => {
    expect(() => selfAttentionBatch([x, Matrix.zeros(5, 3)], sameAsInputWeights(3))).toThrow(
      "selfAttentionBatch: batch item 1 is 5x3 but item 0 is 6x3; every sequence in a batch needs the same shape",
    );
    expect(() => selfAttentionBatch([], sameAsInputWeights(3))).toThrow("selfAttentionBatch: the batch is empty; pass an array of matrices");
  });
});

describe("multi-head attention", () => {
  it("stacks independent causal heads (PyTorch reference values, two heads with seed 123)", () => {
    const g = new Generator(123);
    const heads = [linearProjections(3, 2, { generator: g }), linearProjections(3, 2, { generator: g })];
    const out = concatColumns(heads.map((w) => selfAttention(x, w, { causal: true, scale: true }).output));
    expect(distance(out, [
      [-0.4519, 0.2216, 0.4772, 0.1063],
      [-0.5874, 0.0058, 0.5891, 0.3257],
      [-0.63, -0.0632, 0.6202, 0.386],
      [-0.5675, -0.0843, 0.5478, 0.3589],
      [-0.5526, -0.0981, 0.5321, 0.3428],
      [-0.5299, -0.1081, 0.5077, 0.3493],
    ])).toBeLessThan(5e-5);
  });

  it("splits one projection into heads and projects their context (PyTorch reference values, seed 123)", () => {
    const weights = multiHeadWeights(3, 2, { generator: new Generator(123) });
    expect(weights.wo?.shape).toEqual([2, 2]);
    expect(weights.bo?.shape).toEqual([1, 2]);
    const [steps] = multiHeadAttentionBatch([x, x], weights, { heads: 2, causal: true });
    expect(distance(steps.output, [[0.319, 0.4858], [0.2943, 0.3897], [0.2856, 0.3593], [0.2693, 0.3873], [0.2639, 0.3928], [0.2575, 0.4028]])).toBeLessThan(5e-5);
    expect(steps.heads).toHaveLength(2);
    expect(steps.heads[1].q.toArray()).toEqual(sliceColumns(steps.q, 1, 2).toArray());
    expect(steps.heads[0].weights.get(0, 1)).toBe(0);
    expect(steps.context.shape).toEqual([6, 2]);
  });

  it("with one head equals single-head attention", () => {
    const w = randomProjections(3, 4, { generator: new Generator(5) });
    const options = { causal: true, scale: true };
    const single = selfAttention(x, w, options).output;
    expect(maxAbsDifference(multiHeadAttention(x, w, { heads: 1, ...options }).output, single).value).toBe(0);
    expect(maxAbsDifference(multiHeadAttention(x, { ...w, wo: Matrix.identity(4) }, { heads: 1, ...options }).output, single).value).toBe(0);
  });

  it("gives each head its own dropout draws, head after head", () => {
    const steps = multiHeadAttention(x, randomProjections(3, 4, { generator: new Generator(5) }), {
      heads: 2,
      dropout: { rate: 0.5, generator: new Generator(123) },
    });
    const g = new Generator(123);
    expect(steps.heads[0].dropoutMask?.toArray()).toEqual(dropoutMask(6, 6, { rate: 0.5, generator: g }).toArray());
    expect(steps.heads[1].dropoutMask?.toArray()).toEqual(dropoutMask(6, 6, { rate: 0.5, generator: g }).toArray());
  });

  it("names the values when shapes or head counts do not fit", () => {
    const w = randomProjections(3, 6, { generator: new Generator(5) });
    expect(() => multiHeadAttention(x, w, { heads: 4 })).toThrow("multiHeadAttention: 4 heads do not divide width 6");
    expect(() => multiHeadAttention(x, w, { heads: 0 })).toThrow("multiHeadAttention: heads is 0; it must be a positive integer");
    expect(() => multiHeadAttention(x, { ...w, wo: Matrix.zeros(4, 6) }, { heads: 2 })).toThrow(
      "multiHeadAttention: wo is 4x6 but needs 6 rows, one per column of the heads' context",
    );
    expect(() => multiHeadAttention(x, { ...w, wo: Matrix.zeros(6, 6), bo: Matrix.zeros(1, 4) }, { heads: 2 })).toThrow(
      "multiHeadAttention: bo is 1x4 but must be 1x6, one value per output column",
    );
    expect(() => multiHeadAttention(x, { ...w, wv: Matrix.zeros(3, 4) }, { heads: 2 })).toThrow(
      "multiHeadAttention: wv is 3x4 but wq is 3x6: values need the width of queries, 6",
    );
    expect(() => multiHeadAttention(x, { ...w, wq: Matrix.zeros(4, 6) }, { heads: 2 })).toThrow(
      "multiHeadAttention: wq is 4x6 but X is 6x3: wq needs 3 rows, one per column of X",
    );
    expect(() => selfAttention(x, { ...w, bq: Matrix.zeros(1, 3) })).toThrow(
      "selfAttention: bq is 1x3 but must be 1x6, one value per output column",
    );
  });
});
