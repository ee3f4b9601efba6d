// The mixture of heads and the mixture of experts: config checks, parameter names, the router and the balancing
// loss by hand, checkpoints, float32 against float64. (Their gradients: gpt-gradients.test.ts.)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GPT, forwardSteps, gptConfig, parameterShapes, readCheckpoint, readSafetensors, saveCheckpoint, type GPTConfig } from "../lib/index.js";
import { loadBalanceForward, topKRoute } from "../lib/gpt/layers/gate.js";
import { activationShapes } from "../lib/gpt/tensors.js";
import { heapOf } from "../lib/kernels/wasm.js";

const tiny = { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 };
const dir = mkdtempSync(join(tmpdir(), "mixtures-"));

describe("gptConfig: attention, network, nExperts, expertTopK, auxLossWeight", () => {
  it("leaves the defaults out, so that an mha + mlp config is today's, and fills the mixtures' defaults", () => {
    expect(gptConfig({ ...tiny, attention: "mha", network: "mlp" })).toEqual(gptConfig(tiny));
    expect(Object.keys(gptConfig(tiny))).not.toContain("attention");
    expect(gptConfig({ ...tiny, attention: "moh" }).attention).toBe("moh");
    expect(gptConfig({ ...tiny, network: "moe" })).toMatchObject({ network: "moe", nExperts: 4 });
    expect(gptConfig({ ...tiny, network: "moe" }).expertTopK).toBeUndefined();
    expect(gptConfig({ ...tiny, network: "moe", nExperts: 3, expertTopK: 2 })).toMatchObject({ nExperts: 3, expertTopK: 2, auxLossWeight: 0.01 });
    expect(gptConfig({ ...tiny, network: "moe", expertTopK: 1, auxLossWeight: 0 }).auxLossWeight).toBe(0);
  });

  it("says what is wrong with a mixture option, and where it belongs", () => {
    const bad = (options: Partial<GPTConfig>) => () => gptConfig({ ...tiny, ...options });
    expect(bad({ nExperts: 4 })).toThrow('gptConfig: nExperts 4 is an option of network "moe" (a mixture of experts); this config\'s network is "mlp"');
    expect(bad({ network: "mlp", expertTopK: 2 })).toThrow('gptConfig: expertTopK 2 is an option of network "moe" (a mixture of experts); this config\'s network is "mlp"');
    const auxText = 'weighs the load-balancing loss of a sparse mixture of experts (network "moe" with expertTopK); this config has none';
    expect(bad({ network: "moe", auxLossWeight: 0.1 })).toThrow(`gptConfig: auxLossWeight 0.1 ${auxText}`);
    expect(bad({ auxLossWeight: 0.1 })).toThrow(`gptConfig: auxLossWeight 0.1 ${auxText}`);
    expect(bad({ network: "moe", expertTopK: 5 })).toThrow("gptConfig: expertTopK 5 is more than nExperts 4");
    expect(bad({ network: "moe", nExperts: 1 })).toThrow("gptConfig: option nExperts must be >= 2, got 1");
    expect(bad({ network: "moe", expertTopK: 0 })).toThrow("gptConfig: option expertTopK must be >= 1, got 0");
    expect(bad({ network: "moe", nExperts: 2.5 })).toThrow("gptConfig: option nExperts must be an integer, got number 2.5");
    expect(bad({ network: "moe", expertTopK: 1, auxLossWeight: -1 })).toThrow("gptConfig: option auxLossWeight must be >= 0, got -1");
    expect(bad({ attention: "gqa" as "moh" })).toThrow('gptConfig: option attention must be one of "mha", "moh", got "gqa"');
    expect(bad({ network: "swiglu" as "moe" })).toThrow('gptConfig: option network must be one of "mlp", "moe", got "swiglu"');
    expect(bad({ nExpert: 4 } as never)).toThrow('gptConfig: unknown option "nExpert"; its options are vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias, norm, attention, network, nExperts, expertTopK, auxLossWeight (did you mean nExperts?)');
  });
});

describe("the mixtures' parameters", () => {
  it("moh: g_proj (nHead, C) after c_attn, and c_proj reads one head (C, hs)", () => {
    const shapes = parameterShapes(gptConfig({ ...tiny, nHead: 4, bias: true, attention: "moh" })).filter((p) => p.name.startsWith("transformer.h.0."));
    expect(shapes.map((p) => [p.name.slice("transformer.h.0.".length), p.shape])).toEqual([
      ["ln_1.weight", [8]], ["ln_1.bias", [8]],
      ["attn.c_attn.weight", [24, 8]], ["attn.c_attn.bias", [24]], ["attn.g_proj.weight", [4, 8]], ["attn.c_proj.weight", [8, 2]], ["attn.c_proj.bias", [8]],
      ["ln_2.weight", [8]], ["ln_2.bias", [8]],
      ["mlp.c_fc.weight", [32, 8]], ["mlp.c_fc.bias", [32]], ["mlp.c_proj.weight", [8, 32]], ["mlp.c_proj.bias", [8]],
    ]);
  });

  it("moe: the gate (nExperts, C), then every expert's MLP under mlp.experts.{e}", () => {
    const shapes = parameterShapes(gptConfig({ ...tiny, network: "moe", nExperts: 2 })).filter((p) => p.name.startsWith("transformer.h.1.mlp"));
    expect(shapes.map((p) => [p.name.slice("transformer.h.1.mlp.".length), p.shape])).toEqual([
      ["gate.weight", [2, 8]],
      ["experts.0.c_fc.weight", [32, 8]], ["experts.0.c_proj.weight", [8, 32]],
      ["experts.1.c_fc.weight", [32, 8]], ["experts.1.c_proj.weight", [8, 32]],
    ]);
  });

  it("nanoGPT's init: every linear weight normal(0, 0.02), every c_proj (the experts' too) 0.02 / sqrt(2 nLayer)", () => {
    const model = GPT.create(gptConfig({ ...tiny, nEmbd: 32, attention: "moh", network: "moe", nExperts: 3 }), { seed: 2, dtype: "float64" });
    const std = (name: string): number => {
      const d = Array.from(model.parameter(name).data);
      return Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    };
    expect(std("transformer.h.0.attn.g_proj.weight")).toBeCloseTo(0.02, 2);
    expect(std("transformer.h.0.mlp.gate.weight")).toBeCloseTo(0.02, 2);
    expect(std("transformer.h.1.mlp.experts.2.c_fc.weight")).toBeCloseTo(0.02, 3);
    expect(std("transformer.h.1.mlp.experts.2.c_proj.weight")).toBeCloseTo(0.01, 3);
    expect(std("transformer.h.1.attn.c_proj.weight")).toBeCloseTo(0.01, 2);
  });
});

describe("the mixtures in the model's one memory", () => {
  it("names each mixture's buffers under its block; a model of experts has no MLP buffers of its own", () => {
    const names = activationShapes(gptConfig({ ...tiny, attention: "moh", network: "moe", nExperts: 2, expertTopK: 1 }), 2, 8, false).map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n.startsWith("h.1.headMixture."))).toEqual(["heads", "gateLogits", "gates", "dheads", "dgates", "dx"].map((n) => `h.1.headMixture.${n}`));
    expect(names).toContain("h.0.expertMixture.experts.1.input");
    expect(names).not.toContain("h.0.fc");
    const dense = activationShapes(gptConfig({ ...tiny, network: "moe", nExperts: 2 }), 2, 8, false).map((t) => t.name);
    expect(dense).not.toContain("h.0.expertMixture.experts.1.input"); // dense experts read x itself
  });

  it("float32: the gates and the experts' activations are views of the model's WebAssembly memory", () => {
    const model = GPT.create(gptConfig({ ...tiny, attention: "moh", network: "moe", expertTopK: 2 }), { seed: 3 });
    const heap = heapOf(model.parameter("transformer.h.0.mlp.gate.weight").data as Float32Array);
    expect(heap).not.toBeNull();
    expect(heapOf(model.parameter("transformer.h.1.attn.g_proj.weight").grad as Float32Array)).toBe(heap);
    const { auxLoss } = model.forward(tokens, 2, 8, { targets });
    expect(Number.isFinite(auxLoss)).toBe(true);
    expect(heapOf(model.forward(tokens, 2, 8).logits as Float32Array)).toBe(heap);
  });
});

describe("the router and the load-balancing loss, by hand", () => {
  it("top-k keeps the k largest logits, a tie going to the lower index, weighted by their own softmax", () => {
    const choices = new Int32Array(4), weights = new Float64Array(4);
    topKRoute(choices, weights, Float64Array.from([1, 3, 3, 0, /* row 2 */ 0.5, -1, 2, Math.log(3) + 0.5]), 2, 4, 2);
    expect(Array.from(choices)).toEqual([1, 2, 2, 3]);
    expect(Array.from(weights.subarray(0, 2))).toEqual([0.5, 0.5]);
    expect(weights[2]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 3 * Math.exp(0.5)), 15);
  });

  it("nExperts * sum_e f_e P_e: 1 when balanced, nExperts when everything goes to the expert that is sure of itself", () => {
    const f = new Float64Array(2);
    expect(loadBalanceForward(f, Float64Array.from([0.75, 0.25, 0.25, 0.75]), Int32Array.from([0, 1]), 2, 2, 1)).toBe(1);
    expect(Array.from(f)).toEqual([0.5, 0.5]);
    expect(loadBalanceForward(f, Float64Array.from([0.9, 0.1, 0.7, 0.3]), Int32Array.from([0, 0]), 2, 2, 1)).toBeCloseTo(1.6, 15);
    expect(loadBalanceForward(f, Float64Array.from([1, 0, 1, 0]), Int32Array.from([0, 0]), 2, 2, 1)).toBe(2);
    // top-2 of 3 experts over 2 tokens: 4 assignments, expert 0 in both tokens
    expect(loadBalanceForward(new Float64Array(3), Float64Array.from([0.5, 0.3, 0.2, 0.4, 0.2, 0.4]), Int32Array.from([0, 1, 0, 2]), 2, 3, 2)).toBeCloseTo(
      3 * (0.5 * 0.45 + 0.25 * 0.25 + 0.25 * 0.3), 15);
  });
});

const tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 3, 5, 7, 9, 2];
const targets = [2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 3, 5, 7, 9, 2, 1];
const mixtures: Partial<GPTConfig>[] = [
  { attention: "moh" },
  { network: "moe", nExperts: 3 },
  { network: "moe", nExperts: 4, expertTopK: 2 },
  { attention: "moh", network: "moe", expertTopK: 1, bias: true, norm: "post" },
];
const named = (m: Partial<GPTConfig>): string => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(", ");

describe("a mixture model", () => {
  it("forward returns auxLoss only for a sparse moe: the sum of its layers' balancing losses, near 1 at init", () => {
    for (const m of mixtures) {
      const model = GPT.create(gptConfig({ ...tiny, ...m }), { seed: 4, dtype: "float64" });
      const result = model.forward(tokens, 2, 8, { targets });
      if (m.expertTopK === undefined) expect(Object.keys(result)).toEqual(["logits", "loss"]);
      else {
        expect(result.auxLoss as number).toBeGreaterThan(2 * 0.9); // two layers, each about 1 when the gate is near uniform
        expect(result.auxLoss as number).toBeLessThan(2 * 1.6);
      }
      expect(model.forward(tokens, 2, 8).auxLoss).toBeUndefined();
    }
  });

  for (const m of mixtures) {
    it(`${named(m)}: forwardSteps computes the model's logits exactly, and shows the gates`, () => {
      const model = GPT.create(gptConfig({ ...tiny, ...m }), { seed: 5, dtype: "float64" });
      const steps = forwardSteps(model, tokens.slice(0, 8));
      expect(Array.from(steps.logits.data)).toEqual(Array.from(model.forward(tokens.slice(0, 8), 1, 8).logits));
      const block = steps.blocks[1];
      const rowSums = (g: { rows: number; cols: number; data: ArrayLike<number> }) =>
        Array.from({ length: g.rows }, (_, t) => Array.from(g.data).slice(t * g.cols, (t + 1) * g.cols).reduce((a, b) => a + b, 0));
      if (m.attention === "moh") {
        expect([block.headGates?.rows, block.headGates?.cols, block.mixed?.cols]).toEqual([8, 2, 4]);
        for (const sum of rowSums(block.headGates as never)) expect(sum).toBeCloseTo(1, 14);
      } else expect(block.headGates).toBeUndefined();
      if (m.network === "moe") {
        expect(block.expertGates?.cols).toBe(m.nExperts ?? 4);
        for (const sum of rowSums(block.expertGates as never)) expect(sum).toBeCloseTo(1, 14);
        expect(block.expertChoices?.map((c) => c.length)).toEqual(m.expertTopK === undefined ? undefined : new Array(8).fill(m.expertTopK));
      }
    });

    it(`${named(m)}: a checkpoint keeps the tensors under their names and the options in the config, to the bit`, () => {
      const model = GPT.create(gptConfig({ ...tiny, ...m }), { seed: 6, dtype: "float64" });
      const path = join(dir, `${named(m).replace(/[^a-z0-9]+/gi, "-")}.safetensors`);
      saveCheckpoint(path, model);
      const file = readSafetensors(path);
      expect(JSON.parse(file.metadata.config)).toEqual(model.config);
      expect([...file.tensors.keys()].sort()).toEqual(model.parameters.map((p) => p.name).sort());
      const back = readCheckpoint(path).model;
      expect(back.config).toEqual(model.config);
      back.parameters.forEach((p, k) => expect(p.data).toEqual(model.parameters[k].data));
      const ours = model.forward(tokens, 2, 8, { targets });
      const theirs = back.forward(tokens, 2, 8, { targets });
      expect(Array.from(theirs.logits)).toEqual(Array.from(ours.logits));
      expect(theirs.auxLoss).toBe(ours.auxLoss);
    });

    it(`${named(m)}: float32 (the WebAssembly kernels) agrees with float64 within float32 rounding`, () => {
      const config = gptConfig({ ...tiny, ...m });
      const wide = GPT.create(config, { seed: 7, dtype: "float64" });
      const narrow = GPT.fromParameters(config, new Map(wide.parameters.map((p) => [p.name, p])), { dtype: "float32" });
      const a = wide.forward(tokens, 2, 8, { targets }), b = narrow.forward(tokens, 2, 8, { targets });
      let worst = 0;
      a.logits.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b.logits[i]))));
      expect(worst).toBeLessThan(1e-5);
      expect(Math.abs((a.loss as number) - (b.loss as number))).toBeLessThan(1e-5);
      if (a.auxLoss !== undefined) expect(Math.abs(a.auxLoss - (b.auxLoss as number))).toBeLessThan(1e-5);
      wide.zeroGrad();
      narrow.zeroGrad();
      wide.backward();
      narrow.backward();
      wide.parameters.forEach((p, k) => {
        const q = narrow.parameters[k];
        const scale = Math.max(...Array.from(p.grad, Math.abs));
        let diff = 0;
        p.grad.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - q.grad[i]))));
        expect(diff, p.name).toBeLessThan(1e-4 * scale + 1e-9);
      });
    });
  }
});
