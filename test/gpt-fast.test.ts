// The float32 fast paths of the GPT (WebAssembly SIMD kernels, lib/kernels/wasmGpt.ts) against the readable loops
// of the layer files, which float64 runs; and the float32 numbers of a few training steps of nanoGPT's CPU recipe,
// pinned to the last bit, so that no later optimisation changes the trained model's numerics without saying so.
import { describe, expect, it } from "vitest";
import { AdamW } from "../lib/gpt/training/adamw.js";
import { gptConfig } from "../lib/gpt/config.js";
import { attentionBackward, attentionForward, attentionState } from "../lib/gpt/layers/attention.js";
import { geluBackward, geluForward } from "../lib/gpt/layers/gelu.js";
import { layerNormBackward, layerNormForward } from "../lib/gpt/layers/layerNorm.js";
import { GPT } from "../lib/gpt/model.js";
import type { Float, Parameter } from "../lib/gpt/parameters.js";
import { wasmKernels } from "../lib/kernels/wasm.js";
import { Generator } from "../lib/core/random.js";
import { seededSteps } from "./helpers/seededSteps.js";

/** n values in [-scale, scale) as float32, and the same values widened to float64. */
function pair(n: number, generator: Generator, scale = 1): [Float32Array, Float64Array] {
  const f32 = new Float32Array(n);
  for (let i = 0; i < n; i++) f32[i] = (generator.nextDouble() * 2 - 1) * scale;
  return [f32, Float64Array.from(f32)];
}

/** max |fast - reference| over the largest |reference|: float32 rounding gives about 1e-7 per step. */
function relativeError(fast: Float, reference: Float): number {
  expect(fast.length).toBe(reference.length);
  let difference = 0, largest = 0;
  for (let i = 0; i < fast.length; i++) {
    expect(Number.isFinite(fast[i])).toBe(true);
    difference = Math.max(difference, Math.abs(fast[i] - reference[i]));
    largest = Math.max(largest, Math.abs(reference[i]));
  }
  return difference / largest;
}

describe("float32 fast paths against the readable float64 loops", () => {
  it("run on WebAssembly here (otherwise float32 takes the readable loops and this file checks nothing new)", () => {
    expect(wasmKernels()).toEqual({ available: true });
  });

  it("GELU forward and backward, 1001 values (not a multiple of 4)", () => {
    const g = new Generator(1), n = 1001;
    const [x32, x64] = pair(n, g, 6), [d32, d64] = pair(n, g);
    const [out32, tanh32, dx32] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    const [out64, tanh64, dx64] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    geluForward(out32, tanh32, x32, n);
    geluForward(out64, tanh64, x64, n);
    geluBackward(dx32, d32, x32, tanh32, n);
    geluBackward(dx64, d64, x64, tanh64, n);
    expect(relativeError(out32, out64)).toBeLessThan(2e-7);
    expect(relativeError(tanh32, tanh64)).toBeLessThan(4e-7);
    // near tanh u = +-1, 1 - tanh^2 u cancels: float32's tanh error there, times x du, is a few 1e-6 of the largest slope
    expect(relativeError(dx32, dx64)).toBeLessThan(5e-6);
  });

  for (const [N, C, bias] of [[37, 128, false], [9, 6, true]] as const) {
    it(`LayerNorm forward and backward, ${N} rows of ${C}, bias ${bias}`, () => {
      const g = new Generator(2);
      const [x32, x64] = pair(N * C, g, 3), [w32, w64] = pair(C, g), [b32, b64] = pair(C, g), [d32, d64] = pair(N * C, g);
      const run = <T extends Float32Array | Float64Array>(make: (n: number) => T, x: T, w: T, b: T, d: T) => {
        const [out, mean, rstd, dx] = [make(N * C), make(N), make(N), make(N * C)];
        const [dw, db] = [make(C).fill(0.5), make(C).fill(-0.25)]; // gradients accumulate onto what is there
        layerNormForward(out, mean, rstd, x, w, bias ? b : null, N, C);
        layerNormBackward(dx, dw, bias ? db : null, d, x, w, mean, rstd, N, C);
        return { out, mean, rstd, dx, dw, db };
      };
      const fast = run((n) => new Float32Array(n), x32, w32, b32, d32);
      const slow = run((n) => new Float64Array(n), x64, w64, b64, d64);
      for (const key of ["out", "mean", "rstd", "dx", "dw", "db"] as const) expect(relativeError(fast[key], slow[key]), key).toBeLessThan(2e-6);
    });
  }

  for (const [B, T, C, nHead] of [[2, 7, 12, 3], [1, 64, 128, 4]]) {
    it(`causal attention forward and backward, B ${B}, T ${T}, C ${C}, ${nHead} heads`, () => {
      const g = new Generator(3);
      const [qkv32, qkv64] = pair(B * T * 3 * C, g, 2), [d32, d64] = pair(B * T * C, g);
      const run = <T extends Float32Array | Float64Array>(dtype: "float32" | "float64", make: (n: number) => T, qkv: T, d: T) => {
        const state = attentionState(dtype, B, T, C, nHead, false);
        const [y, dqkv] = [make(B * T * C), make(B * T * 3 * C)];
        attentionForward(y, qkv, state, B, T, C, nHead);
        attentionBackward(dqkv, d, state, B, T, C, nHead);
        return { y, weights: state.weights, dqkv, fast: state.qkv !== null };
      };
      const fast = run("float32", (n) => new Float32Array(n), qkv32, d32);
      const slow = run("float64", (n) => new Float64Array(n), qkv64, d64);
      expect([fast.fast, slow.fast]).toEqual([true, false]);
      expect(relativeError(fast.y, slow.y)).toBeLessThan(2e-6);
      expect(relativeError(fast.weights, slow.weights)).toBeLessThan(2e-6);
      expect(relativeError(fast.dqkv, slow.dqkv)).toBeLessThan(5e-6);
      for (let b = 0; b < B; b++) expect(fast.weights[b * nHead * T * T + 1]).toBe(0); // position 0 never sees position 1
    });
  }

  it("AdamW, three steps with weight decay on a matrix and none on a vector", () => {
    const g = new Generator(4);
    const make = <T extends Float32Array | Float64Array>(data: T, grad: T, shape: number[]): Parameter => ({ name: `p${shape.length}`, shape, data, grad });
    const [w32, w64] = pair(1003, g), [gw32, gw64] = pair(1003, g, 0.1), [v32, v64] = pair(17, g), [gv32, gv64] = pair(17, g, 0.1);
    const fast = [make(w32, gw32, [17, 59]), make(v32, gv32, [17])];
    const slow = [make(w64, gw64, [17, 59]), make(v64, gv64, [17])];
    const options = { lr: 1e-2, betas: [0.9, 0.99] as [number, number], weightDecay: 0.1 };
    const [adam32, adam64] = [new AdamW(fast, options), new AdamW(slow, options)];
    for (let step = 0; step < 3; step++) {
      adam32.step();
      adam64.step();
    }
    for (let i = 0; i < 2; i++) {
      expect(relativeError(fast[i].data, slow[i].data)).toBeLessThan(3e-6);
      expect(relativeError(adam32.state[i].expAvgSq, adam64.state[i].expAvgSq)).toBeLessThan(3e-6);
    }
  });
});

describe("float32 training numerics, pinned", () => {
  // nanoGPT's CPU recipe as npm run bench times it: forward, backward, clipGradNorm(1), AdamW(1e-3, [0.9, 0.99], 0.1).
  // These numbers are what the committed checkpoint's training computes; a change of kernel, summation order or
  // approximation changes them. If a change is meant, say so and update them (and retrain the checkpoint).
  it("4 steps of the recipe (batch 12, context 64) from seed 1337: the losses and the sum of the weights, to the last bit", () => {
    const config = gptConfig({ vocabSize: 65 });
    const model = GPT.create(config, { seed: 1337, dtype: "float32" });
    const optimizer = new AdamW(model.parameters, { lr: 1e-3, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 });
    const { losses } = seededSteps(model, optimizer, 12, config.blockSize, 1337, 4);
    let sum = 0;
    for (const p of model.parameters) for (let i = 0; i < p.data.length; i++) sum += p.data[i];
    expect(losses).toEqual([4.198793317479486, 3.8926028041866787, 3.7410281820404965, 3.6161289151365623]);
    expect(sum).toBe(1150.6945703833444);
  }, 60_000);
});
