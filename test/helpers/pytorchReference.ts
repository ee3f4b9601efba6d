// The GPT against a float64 PyTorch fixture of scripts/gpt_reference.py (reference.json, mixtures.json): for each
// case, the seeded init, the logits, the loss (and the load-balancing loss of a top-k mixture), every gradient, and
// every parameter after one clipped AdamW step, in float64 and in float32.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GPT } from "../../lib/gpt/model.js";
import { AdamW } from "../../lib/gpt/training/adamw.js";
import { clipGradNorm } from "../../lib/gpt/training/schedule.js";
import type { GPTConfig } from "../../lib/gpt/config.js";
import type { DType } from "../../lib/core/matrix.js";
import { maxDifference } from "./maxDifference.js";

export interface ReferenceCase {
  config: GPTConfig;
  batch: number;
  time: number;
  tokens: number[];
  targets: number[];
  weights: Record<string, { shape: number[]; data: number[] }>;
  logits: number[];
  /** The cross-entropy. */
  loss: number;
  /** A top-k mixture of experts' load-balancing loss; the gradients are those of loss + auxLossWeight * auxLoss. */
  auxLoss?: number;
  grads: Record<string, number[]>;
  gradNorm: number;
  after: Record<string, number[]>;
  init?: Record<string, number[]>;
}
export interface ReferenceFixture {
  adamw: { lr: number; betas: [number, number]; eps: number; weightDecay: number; maxNorm: number };
  initSeed: number;
  cases: ReferenceCase[];
}

export function readReference(name: string): ReferenceFixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/gpt/${name}`, import.meta.url), "utf8")) as ReferenceFixture;
}

/** Runs one case in a dtype; returns the largest difference from PyTorch per quantity. */
function agreement(fixture: ReferenceFixture, c: ReferenceCase, dtype: DType): Record<string, number> {
  const model = GPT.fromParameters(c.config, new Map(Object.entries(c.weights)), { dtype });
  const result = model.forward(c.tokens, c.batch, c.time, { targets: c.targets }) as { logits: ArrayLike<number>; loss?: number; auxLoss?: number };
  model.zeroGrad();
  model.backward();
  let grads = 0;
  for (const p of model.parameters) grads = Math.max(grads, maxDifference(p.grad, c.grads[p.name]));
  const { lr, betas, eps, weightDecay, maxNorm } = fixture.adamw;
  const norm = clipGradNorm(model.parameters, maxNorm);
  new AdamW(model.parameters, { lr, betas, eps, weightDecay }).step();
  // The key bias's gradient is 0 in exact arithmetic (softmax ignores a shift shared by a row), so it is rounding
  // noise, which Adam divides by its own size: noise / (|noise| + eps) moves it by up to lr, in float32 as in float64.
  // It is compared on its own, the rest together.
  let after = 0, keyBias = 0;
  const C = c.config.nEmbd;
  for (const p of model.parameters) {
    const expected = c.after[p.name];
    if (p.name.endsWith("attn.c_attn.bias")) {
      keyBias = Math.max(keyBias, maxDifference(p.data.subarray(C, 2 * C), expected.slice(C, 2 * C)));
      after = Math.max(after, maxDifference(p.data.subarray(0, C), expected.slice(0, C)), maxDifference(p.data.subarray(2 * C), expected.slice(2 * C)));
    } else after = Math.max(after, maxDifference(p.data, expected));
  }
  expect(Object.keys(c.grads).sort()).toEqual(model.parameters.map((p) => p.name).sort());
  const d: Record<string, number> = {
    logits: maxDifference(result.logits, c.logits),
    loss: Math.abs((result.loss as number) - c.loss),
    grads,
    gradNorm: Math.abs(norm - c.gradNorm),
    after,
    keyBias,
  };
  if (c.auxLoss !== undefined) d.auxLoss = Math.abs((result.auxLoss as number) - c.auxLoss);
  else expect(result.auxLoss).toBeUndefined();
  return d;
}

/** The tests of every case of a fixture; name(case) says which case it is. */
export function referenceTests(title: string, fixture: ReferenceFixture, name: (c: ReferenceCase) => string): void {
  describe(title, () => {
    for (const c of fixture.cases) {
      it(`${name(c)}, float64: logits, loss, gradients, clipping and one AdamW step agree to 1e-10`, () => {
        const d = agreement(fixture, c, "float64");
        console.log(`float64 ${name(c)}: max |difference| ${JSON.stringify(d)}`);
        for (const value of Object.values(d)) expect(value).toBeLessThan(1e-10);
      });
      it(`${name(c)}, float32 (WebAssembly kernels): agree to 1e-5 (float32 rounding), the key bias after the step to lr`, () => {
        const { keyBias, ...d } = agreement(fixture, c, "float32");
        console.log(`float32 ${name(c)}: max |difference| ${JSON.stringify({ ...d, keyBias })}`);
        for (const value of Object.values(d)) expect(value).toBeLessThan(1e-5);
        expect(keyBias).toBeLessThanOrEqual(fixture.adamw.lr);
      });
      if (c.init !== undefined) {
        const init = c.init;
        it(`${name(c)}: GPT.create({ seed: ${fixture.initSeed} }) is torch.manual_seed(${fixture.initSeed}); GPT(config), bit for bit`, () => {
          const model = GPT.create(c.config, { seed: fixture.initSeed, dtype: "float32" });
          for (const p of model.parameters) expect(Array.from(p.data), p.name).toEqual(init[p.name]);
        });
      }
    }
  });
}
