// The GPT step by step (lib/gpt/steps.ts) and its layers on matrices (lib/gpt/matrixLayers.ts): the same numbers as
// the model, gradients against finite differences, and errors that name what is wrong.
import { describe, expect, it } from "vitest";
import {
  GPT,
  Matrix,
  blockSteps,
  crossEntropy,
  crossEntropyBackward,
  forwardSteps,
  gelu,
  geluBackward,
  gptConfig,
  layerNorm,
  layerNormBackward,
  parameterMatrix,
} from "../lib/index.js";

const tokens = [3, 1, 4, 1, 5, 9, 2, 6];
const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

describe("forwardSteps and blockSteps", () => {
  for (const [norm, dtype, bias] of [["pre", "float32", false], ["post", "float64", true], ["pre", "float64", true]] as const) {
    it(`give exactly model.forward's logits (${norm}-norm, ${dtype}, bias ${bias})`, () => {
      const model = GPT.create(gptConfig({ vocabSize: 10, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8, norm, bias }), { seed: 5, dtype });
      const steps = forwardSteps(model, tokens);
      const { logits } = model.forward(tokens, 1, tokens.length);
      expect(steps.logits.shape).toEqual([8, 10]);
      expect(steps.logits.dtype).toBe(dtype);
      expect(maxDifference(steps.logits.data, logits)).toBe(0);
      expect(steps.blocks).toHaveLength(2);
      expect(steps.blocks[1].input).toEqual(steps.blocks[0].output);
      const weights = model.attentionWeights(1);
      expect(maxDifference(steps.blocks[1].weights[1].data, weights.subarray(64, 128))).toBe(0);
    });
  }

  it("keeps each step's shape and the block's equations", () => {
    const model = GPT.create(gptConfig({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 }), { seed: 1, dtype: "float64" });
    const s = blockSteps(model, 0, forwardSteps(model, tokens).embedding);
    expect(s.qkv.shape).toEqual([8, 24]);
    expect(s.hidden.shape).toEqual([8, 32]);
    expect(s.weights.map((w) => w.shape)).toEqual([[8, 8], [8, 8]]);
    expect(s.weights[0].get(0, 1)).toBe(0); // causal
    expect(maxDifference(s.res1.data, s.input.data.map((v, i) => v + s.attention.data[i]))).toBe(0);
    expect(maxDifference(s.output.data, s.res1.data.map((v, i) => v + s.mlp.data[i]))).toBe(0);
    expect(maxDifference(s.gelu.data, gelu(s.hidden).data)).toBe(0);
  });

  it("parameterMatrix is a view of the parameter, in PyTorch's shape", () => {
    const model = GPT.create(gptConfig({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 }), { seed: 1 });
    const fc = parameterMatrix(model, "transformer.h.0.mlp.c_fc.weight");
    expect(fc.shape).toEqual([32, 8]);
    expect(fc.data).toBe(model.parameter("transformer.h.0.mlp.c_fc.weight").data);
    expect(parameterMatrix(model, "transformer.ln_f.weight").shape).toEqual([1, 8]);
  });

  it("name what is wrong", () => {
    const model = GPT.create(gptConfig({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 }), { seed: 1 });
    expect(() => blockSteps(model, 1, Matrix.zeros(2, 8))).toThrow("blockSteps: layer 1 is outside [0, 1)");
    expect(() => blockSteps(model, 0, Matrix.zeros(2, 3))).toThrow("blockSteps: x is 2x3 but the model's nEmbd is 8: x needs 8 columns");
    expect(() => blockSteps(model, 0, Matrix.zeros(9, 8))).toThrow("blockSteps: x has 9 rows (positions), more than blockSize 8");
    expect(() => forwardSteps(model, [1, 10])).toThrow("forwardSteps: tokens: token id 10 at position 1 is outside the vocabulary [0, 10)");
    expect(() => forwardSteps(model, new Array(9).fill(0))).toThrow("forwardSteps: 9 tokens; the model reads 1 to blockSize 8");
    expect(() => parameterMatrix(model, "lm_head.weight")).toThrow('no parameter named "lm_head.weight"');
  });
});

describe("layers on matrices", () => {
  const x = Matrix.from([[0.43, 0.15, 0.89, -0.2], [1.5, -0.7, 0.3, 0.1]]);
  const h = 1e-6;
  /** d(sum of f(x) * R)/dx by central differences, value by value. */
  const numeric = (f: (m: Matrix) => Matrix, at: Matrix, R: Matrix): number[] =>
    Array.from(at.data, (_, k) => {
      const nudged = (delta: number) => {
        const m = at.clone();
        m.data[k] += delta;
        return Array.from(f(m).data).reduce((s, v, i) => s + v * R.data[i], 0);
      };
      return (nudged(h) - nudged(-h)) / (2 * h);
    });
  const R = Matrix.from([[0.3, -1.2, 0.5, 0.8], [-0.4, 0.9, 0.1, -0.6]]);

  it("layerNorm: rows of mean 0 and deviation 1, scaled and shifted; its backward against finite differences", () => {
    const out = layerNorm(x);
    for (let i = 0; i < 2; i++) expect(Math.abs(out.row(i).reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
    const weight = [1, 2, 0.5, -1], bias = [0, 1, 0, 0];
    expect(layerNorm(x, { weight, bias }).get(0, 1)).toBeCloseTo(out.get(0, 1) * 2 + 1, 12);
    const { dx, dweight, dbias } = layerNormBackward(R, x, { weight });
    const expected = numeric((m) => layerNorm(m, { weight }), x, R);
    expect(maxDifference(dx.data, expected)).toBeLessThan(1e-8);
    expect(dbias).toEqual([R.get(0, 0) + R.get(1, 0), R.get(0, 1) + R.get(1, 1), R.get(0, 2) + R.get(1, 2), R.get(0, 3) + R.get(1, 3)].map((v) => expect.closeTo(v, 12)));
    expect(dweight[0]).toBeCloseTo(R.get(0, 0) * out.get(0, 0) + R.get(1, 0) * out.get(1, 0), 12);
  });

  it("gelu and its backward", () => {
    expect(gelu(Matrix.from([[1]])).get(0, 0)).toBeCloseTo(0.8411919906, 9);
    expect(maxDifference(geluBackward(R, x).data, numeric(gelu, x, R))).toBeLessThan(1e-8);
    expect(gelu(x.astype("float32")).dtype).toBe("float32");
  });

  it("crossEntropy and its backward: (probabilities - onehot) / rows", () => {
    const targets = [2, 0];
    const { loss, probabilities } = crossEntropy(x, targets);
    expect(loss).toBeCloseTo(-(Math.log(probabilities.get(0, 2)) + Math.log(probabilities.get(1, 0))) / 2, 12);
    const dlogits = crossEntropyBackward(x, targets);
    expect(dlogits.get(0, 2)).toBeCloseTo((probabilities.get(0, 2) - 1) / 2, 12);
    const single = (m: Matrix) => Matrix.from([[crossEntropy(m, targets).loss]]);
    expect(maxDifference(dlogits.data, numeric(single, x, Matrix.from([[1]])))).toBeLessThan(1e-8);
  });

  it("name what is wrong", () => {
    expect(() => layerNorm(x, { weight: [1, 2] })).toThrow("layerNorm: weight has 2 values for 4 columns");
    expect(() => layerNorm(x, { wieght: [1, 2, 3, 4] } as never)).toThrow('layerNorm: unknown option "wieght"; its options are weight, bias');
    expect(() => layerNormBackward(x, x, { bias: [0, 0, 0, 0] } as never)).toThrow('layerNormBackward: unknown option "bias"; its options are weight');
    expect(() => layerNormBackward(Matrix.zeros(1, 4), x)).toThrow("layerNormBackward: dout is 1x4 but x is 2x4");
    const nan = Matrix.zeros(1, 1);
    nan.data[0] = NaN; // written into the data: the Matrix constructor refuses NaN
    expect(() => gelu(nan)).toThrow("gelu: x (1x1) has NaN at [0][0]");
    expect(() => crossEntropy(x, [2])).toThrow("crossEntropy: 1 targets for 2 rows of logits");
    expect(() => crossEntropy(x, [2, 4])).toThrow("crossEntropy: target 4 of row 1 is outside [0, 4)");
  });
});
