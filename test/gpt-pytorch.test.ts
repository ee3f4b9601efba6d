// The GPT against PyTorch: test/fixtures/gpt/reference.json, written by scripts/gpt_reference.py (PyTorch 1.13,
// float64) for norm "pre" and "post", with and without biases: the seeded init, the logits, the loss, every
// gradient, and every parameter after one clipped AdamW step. mixtures.json, the same for the mixture of heads
// and the mixture of experts (dense, and top-k with its load-balancing loss and its routes).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GPT } from "../lib/gpt/model.js";
import { forwardSteps } from "../lib/gpt/steps.js";
import { AdamW } from "../lib/gpt/training/adamw.js";
import { clipGradNorm } from "../lib/gpt/training/schedule.js";
import type { GPTConfig } from "../lib/gpt/config.js";
import type { DType } from "../lib/core/matrix.js";

interface Case {
  config: GPTConfig;
  batch: number;
  time: number;
  tokens: number[];
  targets: number[];
  weights: Record<string, { shape: number[]; data: number[] }>;
  logits: number[];
  loss: number;
  grads: Record<string, number[]>;
  gradNorm: number;
  after: Record<string, number[]>;
  init?: Record<string, number[]>;
  /** Top-k mixtures of experts: the load-balancing loss, and each layer's experts per token (N, k), best first. */
  auxLoss?: number;
  routes?: number[][];
}
interface Fixture {
  adamw: { lr: number; betas: [number, number]; eps: number; weightDecay: number; maxNorm: number };
  initSeed: number;
  cases: Case[];
}
const read = (name: string): Fixture => JSON.parse(readFileSync(new URL(`./fixtures/gpt/${name}`, import.meta.url), "utf8")) as Fixture;
const fixtures = { "reference.json": read("reference.json"), "mixtures.json": read("mixtures.json") };

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Runs one case in a dtype; returns the largest difference from PyTorch per quantity. */
function agreement(c: Case, fixture: Fixture, dtype: DType): Record<string, number> {
  const model = GPT.fromParameters(c.config, new Map(Object.entries(c.weights)), { dtype });
  const { logits, loss, auxLoss } = model.forward(c.tokens, c.batch, c.time, { targets: c.targets });
  expect(auxLoss === undefined).toBe(c.auxLoss === undefined);
  model.zeroGrad();
  model.backward();
  let grads = 0;
  for (const p of model.parameters) grads = Math.max(grads, maxAbs(p.grad, c.grads[p.name]));
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
      keyBias = Math.max(keyBias, maxAbs(p.data.subarray(C, 2 * C), expected.slice(C, 2 * C)));
      after = Math.max(after, maxAbs(p.data.subarray(0, C), expected.slice(0, C)), maxAbs(p.data.subarray(2 * C), expected.slice(2 * C)));
    } else after = Math.max(after, maxAbs(p.data, expected));
  }
  expect(Object.keys(c.grads).sort()).toEqual(model.parameters.map((p) => p.name).sort());
  const aux: Record<string, number> = c.auxLoss === undefined ? {} : { auxLoss: Math.abs((auxLoss as number) - c.auxLoss) };
  return { logits: maxAbs(logits, c.logits), loss: Math.abs((loss as number) - c.loss), ...aux, grads, gradNorm: Math.abs(norm - c.gradNorm), after, keyBias };
}

/** Each layer's top-k experts per token (N, k), best first, as the model routes them, batch row after batch row. */
function routes(c: Case): number[][] {
  const model = GPT.fromParameters(c.config, new Map(Object.entries(c.weights)), { dtype: "float64" });
  const rows = Array.from({ length: c.batch }, (_, b) => forwardSteps(model, c.tokens.slice(b * c.time, (b + 1) * c.time)).blocks);
  return Array.from({ length: c.config.nLayer }, (_, l) => rows.flatMap((blocks) => (blocks[l].expertChoices as number[][]).flat()));
}

describe.each(Object.entries(fixtures))("GPT against PyTorch (scripts/gpt_reference.py): %s", (_, fixture) => {
  for (const c of fixture.cases) {
    const { norm, bias, attention, network, nExperts, expertTopK } = c.config;
    const mixture = `${attention === undefined ? "" : `, ${attention}`}${network === undefined ? "" : `, ${network} of ${nExperts}${expertTopK === undefined ? " dense" : ` top-${expertTopK}`}`}`;
    const name = `norm ${norm}, bias ${bias}${mixture}`;
    it(`${name}, float64: logits, loss, gradients, clipping and one AdamW step agree to 1e-10`, () => {
      const d = agreement(c, fixture, "float64");
      console.log(`float64 ${name}: max |difference| ${JSON.stringify(d)}`);
      for (const value of Object.values(d)) expect(value).toBeLessThan(1e-10);
      expect(d.keyBias).toBeLessThan(1e-10);
    });
    it(`${name}, float32 (WebAssembly kernels): agree to 1e-5 (float32 rounding), the key bias after the step to lr`, () => {
      const { keyBias, ...d } = agreement(c, fixture, "float32");
      console.log(`float32 ${name}: max |difference| ${JSON.stringify({ ...d, keyBias })}`);
      for (const value of Object.values(d)) expect(value).toBeLessThan(1e-5);
      expect(keyBias).toBeLessThanOrEqual(fixture.adamw.lr);
    });
    if (c.routes !== undefined) {
      const expected = c.routes;
      it(`${name}: routes every token to PyTorch's experts, in PyTorch's order`, () => expect(routes(c)).toEqual(expected));
    }
    if (c.init !== undefined) {
      const init = c.init;
      it(`${name}: GPT.create({ seed: ${fixture.initSeed} }) is torch.manual_seed(${fixture.initSeed}); GPT(config), bit for bit`, () => {
        const model = GPT.create(c.config, { seed: fixture.initSeed, dtype: "float32" });
        for (const p of model.parameters) expect(Array.from(p.data), p.name).toEqual(init[p.name]);
      });
    }
  }
});
