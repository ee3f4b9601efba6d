// Notebooks 1 to 8: the key numbers they print and their prose states, computed here with the lib, so prose and code cannot drift apart.
import { describe, expect, it } from "vitest";
import {
  Generator,
  Matrix,
  checkDiagram,
  describeOutside,
  diagram,
  dropout,
  formatMatrix,
  linearProjections,
  maxAbsDifference,
  multiHeadAttention,
  multiHeadWeights,
  randomProjections,
  scale,
  selfAttention,
  sameAsInputWeights,
  softmaxRows,
} from "../../lib/index.js";
import { printed, prose } from "./shared.js";

const tokens = diagram.tokens;
const steps = selfAttention(diagram.x, sameAsInputWeights(3));
const labelled = (m: Matrix, colLabels: readonly string[] = tokens) => formatMatrix(m, { rowLabels: tokens, colLabels });
const dims = ["dim 0", "dim 1", "dim 2"];
const x = (i: number) => diagram.x.row(i);
const dot = (a: number[], b: number[]) => a.reduce((sum, v, k) => sum + v * b[k], 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));
const cosine = (a: number[], b: number[]) => dot(a, b) / (norm(a) * norm(b));
/** The largest |d w_i / d s_j| = |w_i (delta_ij - w_j)| of softmax(factor * row). */
function largestSoftmaxDerivative(row: number[], factor: number): number {
  const w = softmaxRows(scale(Matrix.from([row]), factor)).row(0);
  return Math.max(...w.flatMap((wi, i) => w.map((wj, j) => Math.abs(wi * ((i === j ? 1 : 0) - wj)))));
}

describe("Notebooks 1 to 8", () => {
  it("1 prints X exactly as the diagram does", () => {
    const text = printed("01-text-to-embeddings.ipynb");
    expect(text).toContain(formatMatrix(diagram.x, { rowLabels: tokens, colLabels: dims, decimals: 2 }));
    expect(text).toContain("starts    1.2071   1.4754            0.9997");
  });

  it("2 prints PyTorch's torch.rand weights for seed 123 and Q = X W_Q", () => {
    const text = printed("02-queries-keys-values.ipynb");
    const weights = randomProjections(3, 2, { generator: new Generator(123) });
    expect(text).toContain("W_Q =\n[0.2961, 0.5166]\n[0.2517, 0.6886]\n[0.0740, 0.8665]");
    expect(text).toContain(formatMatrix(selfAttention(diagram.x, weights).q, { rowLabels: tokens }));
    expect(text).toContain("matmul: 6x3 times 6x3: inner dimensions 3 and 6 differ");
    expect(text).toContain("largest difference from the separate projections: 0");
  });

  it("3 prints the scores Q K^T and the score worked by hand", () => {
    const text = printed("03-attention-scores.ipynb");
    expect(text).toContain(labelled(steps.scores));
    expect(text).toContain("0.43*0.43 + 0.15*0.15 + 0.89*0.89 = 0.1849 + 0.0225 + 0.7921 = 0.9995");
    expect(text).toContain("Your      0.9995    0.8945");
    expect(text).toContain("printed in the diagram (Att Scores):\n" + labelled(diagram.printed.scores));
  });

  it("4 prints the weights and the stable softmax", () => {
    const text = printed("04-softmax.ipynb");
    expect(text).toContain(labelled(steps.weights));
    expect(text).toContain("naive softmax of [1000, 999, 0]: [ NaN, NaN, 0 ]");
    expect(text).toContain("softmaxRows: [ '0.7311', '0.2689', '0.0000' ]");
    expect(text).toContain("printed in the diagram (Att Weights):\n" + labelled(diagram.printed.weights));
  });

  it("5 prints the output and the sum worked by hand", () => {
    const text = printed("05-weighted-sum.ipynb");
    expect(text).toContain(labelled(steps.output, dims));
    expect(text).toContain("sum = [0.4419, 0.6515, 0.5683]");
    expect(text).toContain("starts    [0.4431, 0.6496, 0.5671]    [4.9244, 7.3395, 5.5212]");
  });

  it("6 prints the four checks with the lib's numbers", () => {
    const text = printed("06-checking-the-document.ipynb");
    const report = checkDiagram();
    expect(text).toContain("cells that match: 0 of 36");
    expect(text).toContain("largest difference: 0.2290 at [Your][journey] (printed 0.7254, computed 0.9544)");
    expect(text).toContain(`singular values, printed scores:  ${report.scores.singularValues.map((s) => s.toFixed(4)).join(", ")}`);
    expect(text).toContain("4.8553, 0.5661, 0.3612, 0.0940, 0.0785, 0.0213");
    expect(text).toContain("printed weights vs softmax(printed scores):  largest difference 0.0794 at [journey][step]");
    expect(text).toContain("17 of 18 printed outputs lie outside their column's range");
    expect(text).toContain("[starts][dim 1] = 7.3395 is above the largest possible 0.87 by 6.4695");
  });

  it("7 prints nn.Linear weights for seed 789, causal weights and PyTorch's dropout mask", () => {
    const text = printed("07-causal-attention-and-dropout.ipynb");
    const weights = linearProjections(3, 2, { generator: new Generator(789) });
    expect(text).toContain("W_Q (3x2):\n" + formatMatrix(weights.wq));
    // The output PyTorch prints for the same seed and inputs.
    expect(text).toContain("output (6x2):\nYour    [-0.0739,  0.0713]\njourney [-0.0748,  0.0703]");
    const causal = selfAttention(diagram.x, weights, { scale: true, causal: true });
    expect(text).toContain("weights:\n" + labelled(causal.weights));
    const ones = Matrix.generate(6, 6, () => 1);
    expect(text).toContain(formatMatrix(dropout(ones, { rate: 0.5, generator: new Generator(123) }), { decimals: 1 }));
    expect(text).toContain("step     output changed by 0.1034");
    expect(text).toContain("one      output changed by 0.0000");
  });

  it("8 prints the shapes of every step and the one-head check", () => {
    const text = printed("08-multi-head-attention.ipynb");
    expect(text).toContain("head 1: q 6x2, k 6x2, v 6x2, scores 6x6, weights 6x6, output 6x2");
    expect(text).toContain("after the output projection W_O (4x4): 6x4");
    expect(text).toContain("largest difference: 0");
    expect(text).toContain("multiHeadAttention: 3 heads do not divide width 4");
  });

  it("1 prints length, dot product and cosine, and 'with' points the way of journey yet scores low", () => {
    const text = printed("01-text-to-embeddings.ipynb");
    tokens.forEach((t, i) => {
      const line = `${t.padEnd(9)} ${norm(x(i)).toFixed(4)}   ${dot(x(1), x(i)).toFixed(4)}            ${cosine(x(1), x(i)).toFixed(4)}`;
      expect(text).toContain(line);
    });
    // The prose: cos(journey, with) = 0.98, second only to starts; with is the shortest row, 0.70 against 1.22.
    expect(cosine(x(1), x(3))).toBeCloseTo(0.9817, 4);
    expect(cosine(x(1), x(2))).toBeGreaterThan(cosine(x(1), x(3)));
    expect(Math.min(...[0, 2, 4, 5].map((i) => cosine(x(1), x(3)) - cosine(x(1), x(i))))).toBeGreaterThan(-0.02);
    expect([0, 1, 2, 3, 4, 5].map((i) => norm(x(i))).indexOf(Math.min(...[0, 1, 2, 3, 4, 5].map((i) => norm(x(i)))))).toBe(3);
    expect(text).toContain("journey   1.2227");
    expect(text).toContain("with      0.7026");
  });

  it("3's prose: one's cosines with the others run from 0.37 to 0.73", () => {
    const cos = [0, 1, 2, 3, 5].map((i) => cosine(x(4), x(i)));
    expect(Math.min(...cos).toFixed(2)).toBe("0.37");
    expect(Math.max(...cos).toFixed(2)).toBe("0.73");
    // 4 says with attends more to journey than to itself.
    expect(steps.weights.get(3, 1)).toBeGreaterThan(steps.weights.get(3, 3));
  });

  it("4 prints where float32 overflows and how the softmax derivative fades", () => {
    const text = printed("04-softmax.ipynb");
    expect(text).toContain("in float32: e^88 = 1.6516362661361307e+38 but e^89 = Infinity");
    expect(Math.fround(Math.exp(88.7))).toBeLessThan(Infinity);
    expect(Math.fround(Math.exp(88.8))).toBe(Infinity);
    const row = steps.scores.row(1);
    for (const factor of [0, 1, 10, 100, 300, 1000]) {
      expect(text).toContain(`factor ${String(factor).padStart(4)}: largest |d w_i / d s_j| = ${largestSoftmaxDerivative(row, factor).toExponential(2)}`);
    }
    expect(largestSoftmaxDerivative(row, 0)).toBeCloseTo((1 / 6) * (5 / 6), 12);
    expect(largestSoftmaxDerivative(row, 300).toFixed(4)).toBe("0.0028");
    expect(largestSoftmaxDerivative(row, 1000)).toBeLessThan(4e-9);
    // The Try it cell: T must be above 0, and T = 0.01 leaves each row almost only its largest score.
    expect(() => scale(steps.scores, 1 / 0)).toThrow();
    const cold = softmaxRows(scale(steps.scores, 1 / 0.01)).row(0).map((w) => w.toFixed(3));
    expect(cold).toEqual(["0.986", "0.011", "0.003", "0.000", "0.000", "0.000"]);
    expect(prose("04-softmax.ipynb")).toContain("(the row of *Your* becomes 0.986, 0.011, 0.003, 0, 0, 0)");
  });

  it("5 prints swapped outputs that are the original ones, and a previous-token head", () => {
    const text = printed("05-weighted-sum.ipynb");
    expect(text).toContain("largest difference from the original outputs, token by token: 0.000000000000");
    const order = [5, 1, 2, 3, 4, 0];
    expect(text).toContain(formatMatrix(Matrix.from(order.map((i) => steps.output.row(i))), { rowLabels: order.map((i) => tokens[i]), colLabels: dims }));
    // Each query asks 10 x "position i - 1", so the previous token gets e^10 / (e^10 + 5).
    const previous = (Math.exp(10) / (Math.exp(10) + 5)).toFixed(4);
    expect(previous).toBe("0.9998");
    expect(text).toContain(`journey [ ${previous},  0.0000,  0.0000,  0.0000,  0.0000,  0.0000]`);
    expect(text).toContain("Your    [ 0.1667,  0.1667,  0.1667,  0.1667,  0.1667,  0.1667]");
    expect(text).toContain("journey [0.4300, 0.1501, 0.8899]");
  });

  it("6 prints the rank bound with biases, the Gram checks and a value below the range", () => {
    const text = printed("06-checking-the-document.ipynb");
    expect(text).toContain("rank at least 6; any Q K^T of this X has rank at most 4 (d_in + 1, with biases)");
    expect(text).toContain("the 5th is 0.0785, the 6th 0.0213");
    expect(text).toContain("journey . with is printed 0.8775, but |q_journey| |q_with| = sqrt(1.3340 x 0.4761) = 0.7969");
    expect(text).toContain("with . step is printed 0.7489");
    expect(text).toContain("negative beyond rounding (0.0003): -0.0785, -0.0940");
    expect(text).toContain("[with][dim 1] = 6.298 is above the largest possible 0.87 by 5.4280: it cannot be a mix of V");
    expect(text).not.toContain("4x4 minor");
    // The picture's titles: without biases (Q = K = X) the 4th to 6th singular values must be 0, as computed.
    const report = checkDiagram();
    expect(report.scores.singularValues[3]).toBeGreaterThan(100 * report.scores.roundingBound);
    expect(text).toMatch(/singular values, computed scores: [\d.]+, [\d.]+, [\d.]+, 0\.0000, 0\.0000, 0\.0000/);
  });

  it("7 prints what the mask prevents, what dropout keeps, and the average of many draws", () => {
    const text = printed("07-causal-attention-and-dropout.ipynb");
    const weights = linearProjections(3, 2, { generator: new Generator(789) });
    const changedX = Matrix.from(diagram.x.toArray().map((row, i) => (i === 5 ? [0.9, -0.4, 0.2] : row)));
    const open = selfAttention(diagram.x, weights, { scale: true });
    const openChanged = selfAttention(changedX, weights, { scale: true });
    tokens.forEach((t, i) => {
      const diff = maxAbsDifference(Matrix.from([open.output.row(i)]), Matrix.from([openChanged.output.row(i)])).value;
      expect(diff).toBeGreaterThan(0.1);
      expect(text).toContain(`${t.padEnd(8)} output changed by ${diff.toFixed(4)} (no mask)`);
    });
    const causal = selfAttention(diagram.x, weights, { scale: true, causal: true });
    const trial = selfAttention(diagram.x, weights, { scale: true, causal: true, dropout: { rate: 0.2, generator: new Generator(42) } });
    expect(text).toContain(`rate 0.2: kept ${trial.weights.data.filter((w) => w > 0).length} of the 21 visible weights`);
    const averaging = new Generator(7);
    const average = Matrix.zeros(6, 6);
    for (let n = 0; n < 1000; n++) {
      const dropped = selfAttention(diagram.x, weights, { scale: true, causal: true, dropout: { rate: 0.5, generator: averaging } }).weights;
      dropped.data.forEach((w, k) => (average.data[k] += w / 1000));
    }
    const gap = maxAbsDifference(average, causal.weights).value;
    expect(gap).toBeLessThan(0.05);
    expect(text).toContain(`largest difference between the average of 1000 draws and the weights without dropout: ${gap.toFixed(4)}`);
    // The Try it cell's range: 0 to 1; rate 1 drops every weight, as PyTorch's p = 1; 0.9 scales the kept ones by 10.
    expect(Array.from(dropout(causal.weights, { rate: 1 }).data).every((w) => w === 0)).toBe(true);
    expect(() => dropout(causal.weights, { rate: 1.1 })).toThrow();
    expect((1 / (1 - 0.9)).toFixed(4)).toBe("10.0000");
    expect(prose("07-causal-attention-and-dropout.ipynb")).toContain("rate 1 drops every weight, as PyTorch's `p = 1`");
  });

  it("8 prints heads that differ, b_O, the cost of heads and PyTorch's view/transpose", () => {
    const text = printed("08-multi-head-attention.ipynb");
    const weights = multiHeadWeights(3, 4, { generator: new Generator(123) });
    const grown = multiHeadAttention(diagram.x, { ...weights, wq: scale(weights.wq, 5), wk: scale(weights.wk, 5) }, { heads: 2, causal: true });
    expect(text).toContain("head 0 weights:\n" + labelled(grown.heads[0].weights));
    expect(text).toContain("head 1 weights:\n" + labelled(grown.heads[1].weights));
    // The prose: head 1 sends most of step's weight to one.
    expect(grown.heads[1].weights.get(5, 4)).toBeGreaterThan(0.8);
    expect(maxAbsDifference(grown.heads[0].weights, grown.heads[1].weights).value).toBeGreaterThan(0.4);
    expect(text).toContain("b_O = " + formatMatrix(weights.bo!));
    // h heads of width 8 / h: projections 3 T d_in d, scores and sums T T d each, whatever h.
    for (const h of [1, 2, 4, 8]) {
      expect(text).toContain(`${h} head(s) of width ${8 / h}: ${3 * 6 * 3 * 8} + ${6 * 6 * 8} + ${6 * 6 * 8} multiplications, ${h * 6} softmax rows`);
    }
    expect(text).toContain("view + transpose: (1, 6, 4) -> (1, 6, 2, 2) -> (1, 2, 6, 2)");
    expect(text).toContain("head 1: the same as the lib's head 1 queries: true");
  });

  it("6 and the lib say 'below' for a value under the range", () => {
    const report = checkDiagram();
    const low = report.computed.output.clone();
    low.set(3, 1, -0.5);
    expect(describeOutside(checkPrintedOutput(low))).toBe("-0.5 is below the smallest possible 0.15 by 0.6500");
    function checkPrintedOutput(m: Matrix) {
      return checkDiagram({ ...diagram, printed: { ...diagram.printed, output: m } }).output.outside[0];
    }
  });
});
