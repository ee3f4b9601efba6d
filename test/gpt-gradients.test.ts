// Every layer's backward against central finite differences, in float64: for a random R, the scalar
// L = sum(forward(...) * R) has gradient backward(R); each input value is nudged by +-h and (L+ - L-) / 2h compared.
import { describe, expect, it } from "vitest";
import { Generator } from "../lib/core/random.js";
import { embeddingBackward, embeddingForward } from "../lib/gpt/layers/embedding.js";
import { layerNormBackward, layerNormForward } from "../lib/gpt/layers/layerNorm.js";
import { linearBackward, linearForward } from "../lib/gpt/layers/linear.js";
import { geluBackward, geluForward } from "../lib/gpt/layers/gelu.js";
import { residualBackward, residualForward } from "../lib/gpt/layers/residual.js";
import { crossEntropyBackward, crossEntropyForward } from "../lib/gpt/layers/crossEntropy.js";
import { attentionBackward, attentionForward, attentionState } from "../lib/gpt/layers/attention.js";
import { applyDropout, drawDropoutMask } from "../lib/gpt/layers/dropout.js";
import { headMixtureState, mixtureOfHeadsBackward, mixtureOfHeadsForward } from "../lib/gpt/layers/mixtureOfHeads.js";
import { expertMixtureState, mixtureOfExpertsBackward, mixtureOfExpertsForward } from "../lib/gpt/layers/mixtureOfExperts.js";
import type { MlpWeights } from "../lib/gpt/layers/mlp.js";
import type { GPTConfig } from "../lib/gpt/config.js";
import { GPT } from "../lib/gpt/model.js";

const generator = new Generator(42);
const random = (n: number, scale = 1): Float64Array => Float64Array.from({ length: n }, () => (generator.nextDouble() * 2 - 1) * scale);
const H = 1e-6;

/** Compares analytic gradients with central differences of loss() for every value of every input. */
function expectGradients(inputs: Record<string, Float64Array>, loss: () => number, analytic: Record<string, Float64Array>): void {
  for (const [name, x] of Object.entries(inputs)) {
    for (let i = 0; i < x.length; i++) {
      const saved = x[i];
      x[i] = saved + H;
      const plus = loss();
      x[i] = saved - H;
      const minus = loss();
      x[i] = saved;
      const numeric = (plus - minus) / (2 * H);
      const exact = analytic[name][i];
      if (!(Math.abs(numeric - exact) <= 1e-7 + 1e-6 * Math.abs(exact))) {
        throw new Error(`${name}[${i}]: backward ${exact}, finite differences ${numeric}`);
      }
    }
  }
}

const dot = (a: Float64Array, b: Float64Array): number => a.reduce((sum, v, i) => sum + v * b[i], 0);

describe("layer gradients against finite differences (float64)", () => {
  it("embedding: a token used twice collects both gradients", () => {
    const B = 2, T = 3, C = 4, V = 5;
    const tokens = [1, 3, 1, 0, 4, 1];
    const wte = random(V * C), wpe = random(T * C), R = random(B * T * C), out = new Float64Array(B * T * C);
    const loss = (): number => (embeddingForward(out, tokens, wte, wpe, B, T, C), dot(out, R));
    const dwte = new Float64Array(V * C), dwpe = new Float64Array(T * C);
    embeddingBackward(dwte, dwpe, R, tokens, B, T, C);
    expectGradients({ wte, wpe }, loss, { wte: dwte, wpe: dwpe });
  });

  it("layerNorm: input, weight and bias", () => {
    const N = 3, C = 6;
    const inp = random(N * C, 2), weight = random(C), bias = random(C), R = random(N * C);
    const out = new Float64Array(N * C), mean = new Float64Array(N), rstd = new Float64Array(N);
    const loss = (): number => (layerNormForward(out, mean, rstd, inp, weight, bias, N, C), dot(out, R));
    loss();
    const dinp = new Float64Array(N * C), dweight = new Float64Array(C), dbias = new Float64Array(C);
    layerNormBackward(dinp, dweight, dbias, R, inp, weight, mean, rstd, N, C);
    expectGradients({ inp, weight, bias }, loss, { inp: dinp, weight: dweight, bias: dbias });
  });

  it("linear (nn.Linear layout, through gemm with transposed operands): input, weight and bias", () => {
    const N = 5, C = 7, OC = 6;
    const inp = random(N * C), weight = random(OC * C), bias = random(OC), R = random(N * OC), out = new Float64Array(N * OC);
    const loss = (): number => (linearForward(out, inp, weight, bias, N, C, OC), dot(out, R));
    const dinp = new Float64Array(N * C), dweight = new Float64Array(OC * C), dbias = new Float64Array(OC);
    linearBackward(dinp, dweight, dbias, R, inp, weight, N, C, OC);
    expectGradients({ inp, weight, bias }, loss, { inp: dinp, weight: dweight, bias: dbias });
  });

  it("gelu (tanh approximation)", () => {
    const inp = random(20, 3), R = random(20), out = new Float64Array(20), tanhU = new Float64Array(20);
    const loss = (): number => (geluForward(out, tanhU, inp, 20), dot(out, R));
    loss();
    const dinp = new Float64Array(20);
    geluBackward(dinp, R, inp, tanhU, 20);
    expectGradients({ inp }, loss, { inp: dinp });
  });

  it("residual: x + gelu(x) gets the gradient through gelu plus the straight one", () => {
    const x = random(10, 2), R = random(10), branch = new Float64Array(10), out = new Float64Array(10), tanhU = new Float64Array(10);
    const loss = (): number => (geluForward(branch, tanhU, x, 10), residualForward(out, x, branch, 10), dot(out, R));
    loss();
    const dx = new Float64Array(10);
    geluBackward(dx, R, x, tanhU, 10);
    residualBackward(dx, R, 10);
    expectGradients({ x }, loss, { x: dx });
  });

  it("crossEntropy: mean over positions of -log softmax[target]", () => {
    const N = 4, V = 5, targets = [0, 4, 2, 2];
    const logits = random(N * V, 3), probs = new Float64Array(N * V);
    const loss = (): number => crossEntropyForward(probs, logits, targets, N, V);
    loss();
    const dlogits = new Float64Array(N * V);
    crossEntropyBackward(dlogits, probs, targets, N, V);
    expectGradients({ logits }, loss, { logits: dlogits });
  });

  it("dropout: the gradient is the mask times the incoming gradient", () => {
    const x = random(12), R = random(12), mask = new Float64Array(12), out = new Float64Array(12);
    drawDropoutMask(mask, 0.4, new Generator(3), 12);
    expect(Array.from(mask).some((m) => m === 0)).toBe(true);
    const loss = (): number => (out.set(x), applyDropout(out, mask, 12), dot(out, R));
    const dx = R.slice();
    applyDropout(dx, mask, 12);
    expectGradients({ x }, loss, { x: dx });
  });

  for (const withDropout of [false, true]) {
    it(`causal multi-head attention on the fused qkv${withDropout ? ", with dropout on the weights" : ""}`, () => {
      const B = 2, T = 5, C = 6, nHead = 2;
      const qkv = random(B * T * 3 * C, 1.5), R = random(B * T * C), out = new Float64Array(B * T * C);
      const state = attentionState("float64", B, T, C, nHead, withDropout);
      if (state.mask !== null) {
        drawDropoutMask(state.mask, 0.3, new Generator(9), B * nHead * T * T);
        state.dropout = true;
      }
      const loss = (): number => (attentionForward(out, qkv, state, B, T, C, nHead), dot(out, R));
      loss();
      const dqkv = new Float64Array(B * T * 3 * C);
      attentionBackward(dqkv, R, state, B, T, C, nHead);
      expectGradients({ qkv }, loss, { qkv: dqkv });
    });
  }

  it("mixture of heads: qkv, the gate's input x and the gate g_proj", () => {
    const B = 2, T = 4, C = 6, nHead = 3, hs = C / nHead, N = B * T;
    const qkv = random(N * 3 * C, 1.5), x = random(N * C), gate = random(nHead * C), R = random(N * hs), out = new Float64Array(N * hs);
    const attention = attentionState("float64", B, T, C, nHead, false), mix = headMixtureState("float64", B, T, C, nHead);
    const loss = (): number => (mixtureOfHeadsForward(out, qkv, x, gate, attention, mix, B, T, C, nHead), dot(out, R));
    loss();
    const dqkv = new Float64Array(N * 3 * C), dgate = new Float64Array(nHead * C);
    mixtureOfHeadsBackward(dqkv, dgate, R, x, gate, attention, mix, B, T, C, nHead);
    expectGradients({ qkv, x, gate }, loss, { qkv: dqkv, x: mix.dx as Float64Array, gate: dgate });
  });

  const expertWeights = (E: number, C: number, bias: boolean): MlpWeights[] =>
    Array.from({ length: E }, () => ({ fcW: random(4 * C * C), fcB: bias ? random(4 * C) : null, fcProjW: random(4 * C * C), fcProjB: bias ? random(C) : null }));
  const zeros = (a: ArrayLike<number> | null): Float64Array | null => (a === null ? null : new Float64Array(a.length));
  const zerosLike = (experts: MlpWeights[]): MlpWeights[] =>
    experts.map((w) => ({ fcW: zeros(w.fcW) as Float64Array, fcB: zeros(w.fcB), fcProjW: zeros(w.fcProjW) as Float64Array, fcProjB: zeros(w.fcProjB) }));
  for (const topK of [null, 1, 2]) {
    it(`mixture of experts, ${topK === null ? "dense" : `sparse top-${topK} with its load-balancing loss`}: x, the gate and every expert`, () => {
      const N = 7, C = 3, E = 4, auxScale = 0.7;
      const x = random(N * C, 1.5), gate = random(E * C, 2), R = random(N * C), out = new Float64Array(N * C);
      const experts = expertWeights(E, C, true);
      const state = expertMixtureState("float64", N, C, E, topK);
      const loss = (): number => {
        const aux = mixtureOfExpertsForward(out, x, gate, experts, state, N, C, topK);
        return dot(out, R) + auxScale * (aux ?? 0);
      };
      loss();
      // top-2 uses every expert here; top-1 leaves one idle, whose gradients must be exactly 0
      if (topK !== null) expect(new Set(state.choices).size).toBe(topK === 1 ? E - 1 : E);
      const dx = new Float64Array(N * C), dgate = new Float64Array(E * C), grads = zerosLike(experts);
      mixtureOfExpertsBackward(dx, dgate, grads, R, x, gate, experts, state, N, C, topK, auxScale);
      const inputs: Record<string, Float64Array> = { x, gate }, analytic: Record<string, Float64Array> = { x: dx, gate: dgate };
      experts.forEach((w, e) => {
        for (const key of ["fcW", "fcB", "fcProjW", "fcProjB"] as const) {
          inputs[`experts.${e}.${key}`] = w[key] as Float64Array;
          analytic[`experts.${e}.${key}`] = grads[e][key] as Float64Array;
        }
      });
      expectGradients(inputs, loss, analytic);
    });
  }
});

describe("the whole GPT's gradients against finite differences (float64)", () => {
  const cases: (Pick<GPTConfig, "norm" | "bias" | "dropout"> & Partial<GPTConfig>)[] = [
    { norm: "pre", bias: true, dropout: 0 },
    { norm: "post", bias: true, dropout: 0 },
    { norm: "pre", bias: false, dropout: 0.2 },
    { norm: "post", bias: false, dropout: 0.2 },
    { norm: "pre", bias: true, dropout: 0, attention: "moh" },
    { norm: "post", bias: false, dropout: 0.2, attention: "moh" },
    { norm: "pre", bias: true, dropout: 0, network: "moe", nExperts: 3 },
    { norm: "post", bias: false, dropout: 0.2, attention: "moh", network: "moe" },
    { norm: "pre", bias: true, dropout: 0, network: "moe", nExperts: 3, expertTopK: 2, auxLossWeight: 0.5 },
    { norm: "post", bias: false, dropout: 0.2, network: "moe", expertTopK: 1 },
  ];
  for (const { norm, bias, dropout, ...mixtures } of cases) {
    const named = Object.entries(mixtures).map(([k, v]) => `, ${k} ${v}`).join("");
    it(`norm ${norm}, bias ${bias}, dropout ${dropout}${named}: a few values of every parameter`, () => {
      const config = { vocabSize: 7, blockSize: 6, nLayer: 2, nHead: 2, nEmbd: 4, dropout, bias, norm, ...mixtures };
      const model = GPT.create(config, { seed: 3, dtype: "float64" });
      for (const p of model.parameters) for (let i = 0; i < p.data.length; i++) p.data[i] += (generator.nextDouble() - 0.5) * 0.6;
      const tokens = [1, 2, 3, 4, 5, 6, 0, 0, 1, 3];
      const targets = [2, 3, 4, 5, 6, 0, 1, 1, 3, 3];
      // a fresh generator per forward: the same dropout masks every time
      // what backward differentiates: the cross-entropy plus, for a sparse mixture of experts, the weighted balancing loss
      const loss = (): number => {
        const result = model.forward(tokens, 2, 5, { targets, training: true, generator: new Generator(11) });
        return (result.loss as number) + (model.config.auxLossWeight ?? 0) * (result.auxLoss ?? 0);
      };
      loss();
      model.zeroGrad();
      model.backward();
      const picks = new Generator(5);
      for (const p of model.parameters) {
        const indices = [0, p.data.length - 1, Math.floor(picks.nextDouble() * p.data.length)];
        const inputs: Record<string, Float64Array> = {}, analytic: Record<string, Float64Array> = {};
        for (const i of indices) {
          inputs[`${p.name}[${i}]`] = (p.data as Float64Array).subarray(i, i + 1);
          analytic[`${p.name}[${i}]`] = (p.grad as Float64Array).subarray(i, i + 1);
        }
        expectGradients(inputs, loss, analytic);
      }
    });
  }
});
