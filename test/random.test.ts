// The seeded generator, rand, nn.Linear-like layers and dropout reproduce PyTorch's CPU numbers.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SEED,
  GPT,
  Generator,
  Matrix,
  TextDataset,
  affine,
  defaultGenerator,
  dropout,
  dropoutMask,
  dropoutWithMask,
  estimateLoss,
  generate,
  gptConfig,
  linearForward,
  linearLayer,
  manualSeed,
  maxAbsDifference,
  prepareFineTune,
  rand,
  sampleToken,
  train,
  transpose,
  uniform,
} from "../lib/index.js";

/** The largest difference from values printed with 4 decimals. */
function distance(m: Matrix, printed: number[][]): number {
  return maxAbsDifference(m, Matrix.from(printed)).value;
}

describe("Generator (MT19937)", () => {
  it("gives the standard first output for seed 5489", () => {
    expect(new Generator(5489).nextUint32()).toBe(3499211612);
  });

  it("gives the standard 10000th output for seed 5489 (many state regenerations later)", () => {
    const g = new Generator(5489);
    for (let i = 1; i < 10000; i++) g.nextUint32();
    expect(g.nextUint32()).toBe(4123659995);
  });

  it("restarts the same sequence after manualSeed", () => {
    const g = new Generator(7);
    const first = [g.nextUint32(), g.nextUint32()];
    expect(g.manualSeed(7)).toBe(g);
    expect([g.nextUint32(), g.nextUint32()]).toEqual(first);
    expect(g.initialSeed).toBe(7);
  });

  it("seeds new Generator() and the shared defaultGenerator with DEFAULT_SEED, nanoGPT's 1337", () => {
    expect(DEFAULT_SEED).toBe(1337);
    expect(defaultGenerator.initialSeed).toBe(DEFAULT_SEED);
    expect(new Generator().initialSeed).toBe(DEFAULT_SEED);
    expect(new Generator().nextUint32()).toBe(new Generator(1337).nextUint32());
  });

  it("seeds with the low 32 bits: PyTorch's unseeded torch.Generator() (seed 67280421310721) gives its numbers", () => {
    const torchDefault = 67280421310721;
    expect(new Generator(torchDefault).nextUint32()).toBe(new Generator(torchDefault % 2 ** 32).nextUint32());
    // torch.rand(2, generator=torch.Generator()), in PyTorch 1.13
    expect(Array.from(rand(1, 2, { generator: new Generator(torchDefault) }).data)).toEqual([0.267295241355896, 0.8725283145904541]);
  });

  it("builds a 53-bit double from two draws, the first giving the high bits", () => {
    const draws = new Generator(5489);
    const [high, low] = [draws.nextUint32(), draws.nextUint32()];
    expect(new Generator(5489).nextDouble()).toBe(((high & 0x1fffff) * 2 ** 32 + low) / 2 ** 53);
  });

  it("manualSeed reseeds the default generator, like torch.manual_seed", () => {
    expect(manualSeed(5489)).toBe(defaultGenerator);
    expect(defaultGenerator.nextUint32()).toBe(3499211612);
  });

  it("rejects seeds that are not non-negative integers", () => {
    expect(() => new Generator(-1)).toThrow("Generator: seed must be a whole number in [0, 2^53), got -1");
    expect(() => new Generator(1.5)).toThrow("Generator: seed must be a whole number in [0, 2^53), got 1.5");
  });
});

describe("rand and uniform", () => {
  it("reproduces torch.manual_seed(123); torch.rand(3, 2) (PyTorch reference values)", () => {
    const r = rand(3, 2, { generator: new Generator(123) });
    expect(r.shape).toEqual([3, 2]);
    expect(r.dtype).toBe("float32");
    expect(distance(r, [[0.2961, 0.5166], [0.2517, 0.6886], [0.074, 0.8665]])).toBeLessThan(5e-5);
  });

  it("uses the default generator when none is given", () => {
    manualSeed(123);
    expect(rand(1, 1).get(0, 0)).toBe(rand(1, 1, { generator: new Generator(123) }).get(0, 0));
  });

  it("draws float32 values inside [from, to)", () => {
    const u = uniform(20, 20, -0.5, 0.25, { generator: new Generator(1), dtype: "float64" });
    expect(u.dtype).toBe("float64");
    expect(u.toArray().flat().every((v) => v >= -0.5 && v < 0.25 && Math.fround(v) === v)).toBe(true);
  });

  it("rejects reversed or infinite bounds", () => {
    expect(() => uniform(2, 2, 1, 0)).toThrow("uniform: bounds [1, 0) must be finite with from <= to");
    expect(() => uniform(2, 2, 0, Infinity)).toThrow("uniform: bounds [0, Infinity) must be finite with from <= to");
  });
});

describe("linearLayer (nn.Linear)", () => {
  it("draws the weight (out x in) then the bias, both within 1/sqrt(in)", () => {
    const layer = linearLayer(3, 2, { generator: new Generator(1) });
    expect(layer.weight.shape).toEqual([2, 3]);
    expect(layer.bias?.shape).toEqual([1, 2]);
    const values = [...layer.weight.data, ...(layer.bias?.data ?? [])];
    expect(values.every((v) => Math.abs(v) <= 1 / Math.sqrt(3))).toBe(true);
  });

  it("draws weight values as uniform_(-1/sqrt(in), 1/sqrt(in)) row by row, and nothing for bias: false", () => {
    const g = new Generator(789);
    const layer = linearLayer(3, 2, { bias: false, generator: g });
    const bound = 1 / Math.sqrt(3);
    const expected = new Generator(789);
    expect(layer.bias).toBeNull();
    expect(Array.from(layer.weight.data)).toEqual(Array.from({ length: 6 }, () => expected.uniform(-bound, bound)));
    expect(g.nextUint32()).toBe(expected.nextUint32());
  });

  it("computes x W^T + b", () => {
    const layer = { weight: Matrix.from([[1, 2, 3], [4, 5, 6]]), bias: Matrix.from([[0.5, -0.5]]) };
    const y = linearForward(Matrix.from([[1, 0, -1]]), layer);
    expect(y.toArray()).toEqual([[-1.5, -2.5]]);
    expect(maxAbsDifference(y, affine(Matrix.from([[1, 0, -1]]), transpose(layer.weight), layer.bias)).value).toBe(0);
  });

  it("names both shapes when X does not fit the weight", () => {
    const layer = linearLayer(3, 2, { generator: new Generator(1) });
    expect(() => linearForward(Matrix.zeros(6, 4), layer)).toThrow(
      "linearForward: X is 6x4 but weight is 2x3 (out x in): X needs 3 columns, one per input feature",
    );
    expect(() => linearForward(Matrix.zeros(6, 3), { ...layer, bias: Matrix.zeros(1, 3) })).toThrow(
      "linearForward: layer.bias is 1x3 but must be 1x2, one value per output column",
    );
  });

  it("rejects feature counts that are not positive integers", () => {
    expect(() => linearLayer(0, 2)).toThrow("linearLayer: features must be positive integers, got in 0 and out 2");
  });
});

describe("dropout (torch.nn.Dropout on CPU)", () => {
  const ones = Matrix.generate(6, 6, () => 1);

  it("reproduces torch.manual_seed(123); nn.Dropout(0.5)(torch.ones(6, 6)) (PyTorch reference values)", () => {
    const out = dropout(ones, { rate: 0.5, generator: new Generator(123) });
    expect(out.toArray()).toEqual([
      [2, 2, 0, 2, 2, 0],
      [0, 0, 0, 2, 0, 2],
      [2, 2, 2, 2, 0, 2],
      [0, 2, 2, 0, 0, 2],
      [0, 2, 0, 2, 0, 2],
      [0, 2, 2, 2, 2, 0],
    ]);
  });

  it("keeps about 1 - p of a large matrix and scales the kept values by 1 / (1 - p)", () => {
    const mask = dropoutMask(200, 200, { rate: 0.1, generator: new Generator(42) });
    const values = Array.from(mask.data);
    const kept = values.filter((v) => v !== 0);
    expect(Math.abs(kept.length / values.length - 0.9)).toBeLessThan(0.01);
    expect(kept.every((v) => v === 1 / 0.9)).toBe(true);
  });

  it("is the identity in evaluation mode and at rate 0, drawing nothing", () => {
    const g = new Generator(123);
    expect(dropout(ones, { rate: 0.5, training: false, generator: g })).toBe(ones);
    const atZero = dropoutWithMask(ones, { rate: 0, generator: g });
    expect(atZero.output).toBe(ones);
    expect(Array.from(atZero.mask!.data).every((v) => v === 1)).toBe(true);
    expect(g.nextUint32()).toBe(new Generator(123).nextUint32());
  });

  it("rejects rates outside [0, 1]", () => {
    expect(() => dropout(ones, { rate: 1.5 })).toThrow("dropout: option rate must be in [0, 1], got 1.5");
    expect(() => dropout(ones, { rate: -0.1 })).toThrow("dropout: option rate must be in [0, 1], got -0.1");
    expect(() => dropoutMask(2, 2, { rate: NaN })).toThrow("dropoutMask: option rate must be a number, got number NaN");
  });
});

describe("one seed convention: a draw takes a generator, a seeded procedure takes a seed", () => {
  const dataset = TextDataset.fromText("abcde".repeat(20));
  const model = GPT.create(gptConfig({ vocabSize: dataset.vocabSize, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 }));
  const seven = new Generator(7);

  it.each([
    ["rand", () => rand(2, 2, { seed: 1 } as never), 'rand: unknown option "seed"; its options are generator, dtype (a draw takes a generator: pass { generator: new Generator(1) })'],
    ["dropoutMask", () => dropoutMask(2, 2, { rate: 0.5, seed: 3 } as never), 'dropoutMask: unknown option "seed"; its options are rate, dtype, generator (a draw takes a generator: pass { generator: new Generator(3) })'],
    ["sampleToken", () => sampleToken([1, 2], { seed: 3 } as never), 'sampleToken: unknown option "seed"; its options are temperature, topK, greedy, generator (a draw takes a generator: pass { generator: new Generator(3) })'],
    ["GPT.forward", () => model.forward(new Int32Array(4), 1, 4, { seed: 3 } as never), 'GPT.forward: unknown option "seed"; its options are targets, training, generator, cache (a draw takes a generator: pass { generator: new Generator(3) })'],
    ["getBatch", () => dataset.getBatch("train", 2, 4, 1337 as never), "TextDataset.getBatch: generator must be a Generator, e.g. new Generator(1337), got number 1337: for seed 1337, pass new Generator(1337)"],
    ["GPT.create", () => GPT.create(model.config, { generator: seven } as never), 'GPT.create: unknown option "generator"; its options are seed, dtype (a seeded procedure makes its own Generator: pass { seed: 7 })'],
    ["estimateLoss", () => estimateLoss(model, dataset, { generator: seven } as never), 'estimateLoss: unknown option "generator"; its options are batches, batchSize, blockSize, seed, split (a seeded procedure makes its own Generator: pass { seed: 7 })'],
    ["prepareFineTune", () => prepareFineTune({ model, tokenizer: dataset.tokenizer }, "abc", { generator: seven } as never), 'prepareFineTune: unknown option "generator"; its options are unknownChars, replacement, seed, trainFraction (a seeded procedure makes its own Generator: pass { seed: 7 })'],
  ])("%s refuses the other kind's option and says what to pass", (_, call, message) => {
    expect(call).toThrow(message);
  });

  it("train refuses a generator the same way", async () => {
    await expect(train(model, dataset, { steps: 1, generator: seven } as never)).rejects.toThrow("(a seeded procedure makes its own Generator: pass { seed: 7 })");
  });

  it("a seeded procedure's default seed is DEFAULT_SEED", () => {
    const options = { maxNewTokens: 8 };
    expect(generate(model, dataset.tokenizer, "a", options)).toBe(generate(model, dataset.tokenizer, "a", { ...options, seed: DEFAULT_SEED }));
    expect(estimateLoss(model, dataset, { batches: 2 })).toBe(estimateLoss(model, dataset, { batches: 2, seed: DEFAULT_SEED }));
    const created = GPT.create(model.config).parameters[0].data;
    expect(Array.from(created)).toEqual(Array.from(GPT.create(model.config, { seed: DEFAULT_SEED }).parameters[0].data));
  });
});
