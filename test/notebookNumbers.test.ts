// The key numbers the notebooks print are the lib's, so prose and code cannot drift apart.
import { describe, expect, it } from "vitest";
import {
  Generator,
  Matrix,
  checkDiagram,
  diagram,
  dropout,
  formatMatrix,
  linearProjections,
  randomProjections,
  selfAttention,
  sameAsInputWeights,
} from "../lib/index.js";
import { notebookOutputs } from "./notebookOutputs.js";

const printed = (name: string) => notebookOutputs(name).join("\n");
const tokens = diagram.tokens;
const steps = selfAttention(diagram.x, sameAsInputWeights(3));
const labelled = (m: Matrix, colLabels: readonly string[] = tokens) => formatMatrix(m, { rowLabels: tokens, colLabels });
const dims = ["dim 0", "dim 1", "dim 2"];

describe("notebook outputs", () => {
  it("1 prints X exactly as the diagram does", () => {
    const text = printed("01-text-to-embeddings.ipynb");
    expect(text).toContain(formatMatrix(diagram.x, { rowLabels: tokens, colLabels: dims, decimals: 2 }));
    expect(text).toContain("journey . starts  = 1.4754");
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

  it("6 prints the three checks with the lib's numbers", () => {
    const text = printed("06-checking-the-document.ipynb");
    const report = checkDiagram();
    expect(text).toContain("cells that match: 0 of 36");
    expect(text).toContain("largest difference: 0.2290 at [Your][journey] (printed 0.7254, computed 0.9544)");
    expect(text).toContain(`singular values, printed scores:  ${report.scores.singularValues.map((s) => s.toFixed(4)).join(", ")}`);
    expect(text).toContain("4.8553, 0.5661, 0.3612, 0.0940, 0.0785, 0.0213");
    expect(text).toContain("printed weights vs softmax(printed scores):  largest difference 0.0794 at [journey][step]");
    expect(text).toContain("17 of 18 printed outputs lie outside their column's range");
    expect(text).toContain("[starts][dim 1] = 7.3395, above the largest possible 0.87 by 6.4695");
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
});
