// The GPT's API: config checks, errors that name values, float32 against float64, training steps, the schedule.
import { describe, expect, it } from "vitest";
import { gptConfig } from "../lib/gpt/config.js";
import { GPT } from "../lib/gpt/model.js";
import { AdamW } from "../lib/gpt/training/adamw.js";
import { clipGradNorm, learningRate } from "../lib/gpt/training/schedule.js";
import { parameterShapes } from "../lib/gpt/parameters.js";

const tiny = { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 };
const tokens = Array.from({ length: 16 }, (_, i) => (i * 7 + 3) % 11);
const targets = Array.from({ length: 16 }, (_, i) => (i * 5 + 2) % 11);

describe("gptConfig", () => {
  it("fills nanoGPT's CPU recipe around the vocabulary", () => {
    expect(gptConfig({ vocabSize: 65 })).toEqual({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, norm: "pre" });
  });
  it("names the values that do not fit", () => {
    expect(() => gptConfig({ vocabSize: 65, nEmbd: 130, nHead: 4 })).toThrow("gptConfig: nEmbd 130 is not divisible by nHead 4");
    expect(() => gptConfig({ vocabSize: 65, dropout: 1 })).toThrow("gptConfig: option dropout must be in [0, 1), got 1");
    expect(() => gptConfig({ vocabSize: 65, norm: "middle" as "pre" })).toThrow('option norm must be one of "pre", "post"');
    expect(() => gptConfig({ vocabSize: 65, nLayers: 2 } as never)).toThrow('unknown option "nLayers"');
    expect(() => gptConfig({} as never)).toThrow("vocabSize is required");
  });
  it("lists nanoGPT's parameters: 2 + 12 per layer + 2 with biases, half the LayerNorm and linear ones without", () => {
    expect(parameterShapes(gptConfig({ ...tiny, bias: true })).length).toBe(2 + 12 * 2 + 2);
    const names = parameterShapes(gptConfig(tiny));
    expect(names.length).toBe(2 + 6 * 2 + 1);
    expect(names[2]).toEqual({ name: "transformer.h.0.ln_1.weight", shape: [8] });
    expect(names[3]).toEqual({ name: "transformer.h.0.attn.c_attn.weight", shape: [24, 8] });
  });
});

describe("GPT", () => {
  it("at init the loss is about ln(vocabSize), and PyTorch's own for the same seed", () => {
    const model = GPT.create(gptConfig({ vocabSize: 65, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32 }), { seed: 1 });
    const ids = Array.from({ length: 32 }, (_, i) => (i * 13) % 65);
    const next = ids.map((id) => (id + 5) % 65);
    const { loss, logits } = model.forward(ids, 2, 16, { targets: next });
    expect(logits.length).toBe(2 * 16 * 65);
    expect(Math.abs((loss as number) - Math.log(65))).toBeLessThan(0.05);
    // torch.manual_seed(1); GPT(config) of scripts/gpt_reference.py, float32: loss 4.152841091156006
    expect(Math.abs((loss as number) - 4.152841091156006)).toBeLessThan(1e-6);
  });

  it("errors name the values", () => {
    const model = GPT.create(gptConfig(tiny), { dtype: "float64" });
    expect(() => model.forward(new Array(18).fill(0), 2, 9)).toThrow("a sequence of 9 tokens is longer than blockSize 8");
    expect(() => model.forward([...tokens.slice(0, 15), 11], 2, 8)).toThrow("tokens id 11 at batch row 1, position 7 is outside the vocabulary [0, 11)");
    expect(() => model.forward(tokens, 2, 8, { targets: [1, 2] })).toThrow("targets has 2 ids; batch 2 x time 8 needs 16");
    expect(() => model.forward(tokens.slice(1), 2, 8)).toThrow("tokens has 15 ids");
    expect(() => model.forward(tokens, 2, 8, { traning: true } as never)).toThrow('unknown option "traning"');
    model.forward(tokens, 2, 8);
    expect(() => model.backward()).toThrow("needs a forward with targets first");
    expect(() => model.parameter("lm_head.weight")).toThrow('no parameter named "lm_head.weight"');
    expect(() => model.attentionWeights(2)).toThrow("layer 2 is outside [0, 2)");
    expect(() => GPT.create(gptConfig(tiny), { dtype: "float16" as "float32" })).toThrow('option dtype must be one of "float32", "float64"');
    model.parameter("transformer.ln_f.weight").data[0] = NaN;
    expect(() => model.forward(tokens, 2, 8, { targets })).toThrow("GPT.forward: the loss is NaN");
  });

  it("fromParameters names a missing tensor and a wrong shape; accepts lm_head.weight equal to wte", () => {
    const model = GPT.create(gptConfig(tiny), { dtype: "float64" });
    const tensors = new Map(model.parameters.map((p) => [p.name, { shape: p.shape, data: p.data }]));
    const copy = GPT.fromParameters(model.config, new Map([...tensors, ["lm_head.weight", tensors.get("transformer.wte.weight")!]]), { dtype: "float64" });
    expect(Array.from(copy.forward(tokens, 2, 8).logits)).toEqual(Array.from(model.forward(tokens, 2, 8).logits));
    const missing = new Map(tensors);
    missing.delete("transformer.h.1.mlp.c_fc.weight");
    expect(() => GPT.fromParameters(model.config, missing)).toThrow("tensor transformer.h.1.mlp.c_fc.weight (32, 8) is missing");
    const wrong = new Map(tensors);
    wrong.set("transformer.wpe.weight", { shape: [4, 8], data: new Float64Array(32) });
    expect(() => GPT.fromParameters(model.config, wrong)).toThrow("tensor transformer.wpe.weight has shape (4, 8), the config needs (8, 8)");
  });

  it("attention weights: (B, nHead, T, T), causal, rows summing to 1", () => {
    const model = GPT.create(gptConfig(tiny), { dtype: "float64" });
    model.forward(tokens, 2, 8);
    const w = model.attentionWeights(1);
    expect(w.length).toBe(2 * 2 * 8 * 8);
    for (let row = 0; row < 2 * 2 * 8; row++) {
      const t = row % 8;
      let sum = 0;
      for (let s = 0; s < 8; s++) {
        sum += w[row * 8 + s];
        if (s > t) expect(w[row * 8 + s]).toBe(0);
      }
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it("a shorter sequence sees the same logits for the positions it has (causal), and buffers follow the shape", () => {
    const model = GPT.create(gptConfig(tiny), { dtype: "float64" });
    const full = model.forward(tokens.slice(0, 8), 1, 8).logits.slice();
    const short = model.forward(tokens.slice(0, 3), 1, 3).logits;
    for (let i = 0; i < 3 * 11; i++) expect(short[i]).toBeCloseTo(full[i], 13);
  });

  it("float32 (WebAssembly kernels) agrees with float64 on the same weights: loss to 1e-6, gradients to 1e-6", () => {
    for (const norm of ["pre", "post"] as const) {
      const config = gptConfig({ ...tiny, bias: true, norm });
      const f64 = GPT.create(config, { dtype: "float64", seed: 5 });
      const f32 = GPT.fromParameters(config, new Map(f64.parameters.map((p) => [p.name, p])), { dtype: "float32" });
      const a = f64.forward(tokens, 2, 8, { targets }).loss as number;
      const b = f32.forward(tokens, 2, 8, { targets }).loss as number;
      expect(Math.abs(a - b)).toBeLessThan(1e-6);
      f64.zeroGrad(); f64.backward();
      f32.zeroGrad(); f32.backward();
      for (const name of ["transformer.wte.weight", "transformer.h.0.attn.c_attn.weight", "transformer.h.1.mlp.c_proj.bias", "transformer.ln_f.weight"]) {
        const g64 = f64.parameter(name).grad, g32 = f32.parameter(name).grad;
        for (let i = 0; i < g64.length; i++) expect(Math.abs(g64[i] - g32[i])).toBeLessThan(1e-6);
      }
    }
  });

  it("evaluation is dropout-free: a model with dropout 0.5 gives, out of training, the logits of the same weights without dropout", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const withDropout = GPT.create(gptConfig({ ...tiny, dropout: 0.5 }), { seed: 5, dtype });
      const without = GPT.fromParameters(gptConfig(tiny), new Map(withDropout.parameters.map((p) => [p.name, p])), { dtype });
      withDropout.forward(tokens, 2, 8, { targets, training: true }); // draws masks, which evaluation must not reuse
      expect(Array.from(withDropout.forward(tokens, 2, 8).logits)).toEqual(Array.from(without.forward(tokens, 2, 8).logits));
    }
  });

  it("float32 training: 20 AdamW steps on one batch lower the loss from ln 11 toward memorising it", () => {
    const model = GPT.create(gptConfig(tiny), { seed: 2 });
    const optimizer = new AdamW(model.parameters, { lr: 1e-2, betas: [0.9, 0.99], weightDecay: 0.1 });
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      const { loss } = model.forward(tokens, 2, 8, { targets, training: true });
      losses.push(loss as number);
      model.zeroGrad();
      model.backward();
      clipGradNorm(model.parameters, 1);
      optimizer.step();
    }
    expect(losses[0]).toBeGreaterThan(2.3);
    expect(losses[19]).toBeLessThan(1.5);
    expect(losses[19]).toBeLessThan(losses[10]);
  });

  it("dropout: seeded masks make training forwards reproducible; evaluation draws nothing", async () => {
    const { Generator } = await import("../lib/core/random.js");
    const model = GPT.create(gptConfig({ ...tiny, dropout: 0.3 }), { dtype: "float64" });
    const a = model.forward(tokens, 2, 8, { targets, training: true, generator: new Generator(4) }).loss;
    const b = model.forward(tokens, 2, 8, { targets, training: true, generator: new Generator(4) }).loss;
    const evaluation = model.forward(tokens, 2, 8, { targets }).loss;
    expect(a).toBe(b);
    expect(a).not.toBe(evaluation);
  });
});

describe("optimiser pieces", () => {
  it("learningRate: nanoGPT's get_lr (warmup (step + 1) / (warmup + 1), cosine, then minLr)", () => {
    const schedule = { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 9, decaySteps: 109 };
    expect(learningRate(0, schedule)).toBeCloseTo(1e-4, 15);
    expect(learningRate(8, schedule)).toBeCloseTo(9e-4, 15);
    expect(learningRate(9, schedule)).toBeCloseTo(1e-3, 15);
    expect(learningRate(59, schedule)).toBeCloseTo(5.5e-4, 15); // halfway down the cosine
    expect(learningRate(109, schedule)).toBeCloseTo(1e-4, 15);
    expect(learningRate(500, schedule)).toBe(1e-4);
    expect(() => learningRate(0, { ...schedule, decaySteps: 5 })).toThrow("decaySteps 5 must be greater than warmupSteps 9");
  });

  it("clipGradNorm returns the norm before clipping and scales by maxNorm / (norm + 1e-6) only when above", () => {
    const p = { name: "w", shape: [2, 2], data: new Float64Array(4), grad: Float64Array.from([3, 0, 0, 0]) };
    const q = { name: "b", shape: [1], data: new Float64Array(1), grad: Float64Array.from([4]) };
    expect(clipGradNorm([p, q], 10)).toBe(5);
    expect(p.grad[0]).toBe(3);
    expect(clipGradNorm([p, q], 1)).toBe(5);
    expect(p.grad[0]).toBeCloseTo((3 * 1) / (5 + 1e-6), 15);
    expect(() => clipGradNorm([p], 0)).toThrow("clipGradNorm: maxNorm must be a finite number > 0, got number 0");
  });

  it("AdamW: the first step moves each value by lr (bias correction), decays matrices only", () => {
    const w = { name: "w", shape: [1, 2], data: Float64Array.from([1, 1]), grad: Float64Array.from([0.5, -2]) };
    const b = { name: "b", shape: [1], data: Float64Array.from([1]), grad: Float64Array.from([0]) };
    new AdamW([w, b], { lr: 0.1, weightDecay: 0.5 }).step();
    // decay 1 - 0.1 * 0.5, then -lr * sign(g) (m / sqrt(v) = +-1 at the first step, up to eps)
    expect(w.data[0]).toBeCloseTo(0.95 - 0.1, 7);
    expect(w.data[1]).toBeCloseTo(0.95 + 0.1, 7);
    expect(b.data[0]).toBe(1);
    expect(() => new AdamW([w], { betas: [0.9, 1] })).toThrow("betas [0.9, 1] must be two numbers in [0, 1)");
  });
});

describe("GPT buffers", () => {
  it("a smaller shape after a larger one reuses the buffers and gives the same numbers as a fresh model", () => {
    const config = gptConfig({ ...tiny, bias: true });
    const used = GPT.create(config, { dtype: "float64", seed: 8 });
    const fresh = GPT.create(config, { dtype: "float64", seed: 8 });
    used.forward(tokens, 2, 8, { targets });
    const a = used.forward(tokens.slice(0, 5), 1, 5, { targets: targets.slice(0, 5) });
    const b = fresh.forward(tokens.slice(0, 5), 1, 5, { targets: targets.slice(0, 5) });
    expect(a.loss).toBe(b.loss);
    used.zeroGrad(); used.backward();
    fresh.zeroGrad(); fresh.backward();
    for (let i = 0; i < used.parameters.length; i++) expect(Array.from(used.parameters[i].grad)).toEqual(Array.from(fresh.parameters[i].grad));
    const c = used.forward(tokens.slice(0, 12), 3, 4).logits; // 3 x 4: fewer rows, a new batch size
    expect(c.length).toBe(3 * 4 * 11);
    expect(Array.from(c)).toEqual(Array.from(fresh.forward(tokens.slice(0, 12), 3, 4).logits));
  });
});
