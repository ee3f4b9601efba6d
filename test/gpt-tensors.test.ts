// One memory per model (lib/gpt/tensors.ts): every tensor of a float32 GPT is a view of one WebAssembly memory,
// laid out from one table; AdamW's moments live there too; the float32 attention state keeps no unused buffers.
import { describe, expect, it } from "vitest";
import { gptConfig } from "../lib/gpt/config.js";
import { attentionState } from "../lib/gpt/layers/attention.js";
import { GPT } from "../lib/gpt/model.js";
import { activationShapes, layout, tensorsOf } from "../lib/gpt/tensors.js";
import { AdamW } from "../lib/gpt/training/adamw.js";
import { heapOf } from "../lib/kernels/wasm.js";

const config = gptConfig({ vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 6, bias: true });
const tokens = Array.from({ length: 2 * 8 }, (_, i) => (i * 7) % 11);

function trainedStep(model: GPT, optimizer: AdamW): number {
  model.zeroGrad();
  const { loss } = model.forward(tokens, 2, 8, { targets: tokens.map((t) => (t + 1) % 11), training: true });
  model.backward();
  optimizer.step();
  return loss as number;
}

describe("one memory per model", () => {
  it("lays the table out end to end, each tensor on 16 bytes", () => {
    expect(layout([{ name: "a", shape: [3] }, { name: "b", shape: [2, 3] }, { name: "c", shape: [4] }])).toEqual({ offsets: [0, 4, 12], total: 16 });
  });

  it("float32: parameters, gradients and activations are views of one WebAssembly memory, 16-byte aligned", () => {
    const model = GPT.create(config, { seed: 3 });
    model.forward(tokens, 2, 8);
    const heap = heapOf(model.parameters[0].data as Float32Array);
    expect(heap).not.toBeNull();
    for (const p of model.parameters) {
      for (const array of [p.data, p.grad] as Float32Array[]) {
        expect(heapOf(array)).toBe(heap);
        expect(array.byteOffset % 16).toBe(0);
      }
    }
    expect(heapOf(model.forward(tokens, 2, 8).logits as Float32Array)).toBe(heap);
    expect(heapOf(GPT.create(config, { seed: 3 }).parameters[0].data as Float32Array)).not.toBe(heap); // a memory per model
  });

  it("names every activation once; q, k, v split by head only for the readable loops", () => {
    const names = activationShapes(config, 2, 8, false).map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 5)).toEqual(["embedding", "h.0.ln1", "h.0.ln1Mean", "h.0.ln1Rstd", "h.0.qkv"]);
    expect(names).toContain("h.1.attention.weights");
    expect(names).not.toContain("h.0.attention.q");
    expect(activationShapes(config, 2, 8, true).map((t) => t.name)).toContain("h.0.attention.q");
  });

  it("the float32 attention state has no q, k, v (the kernel reads them in place); float64's and dropout's have", () => {
    const fast = attentionState("float32", 2, 8, 6, 2, false);
    expect([fast.q, fast.k, fast.v, fast.headA, fast.square]).toEqual([null, null, null, null, null]);
    expect(fast.weights.length).toBe(2 * 2 * 8 * 8);
    expect(attentionState("float64", 2, 8, 6, 2, false).q?.length).toBe(2 * 8 * 6);
    expect(attentionState("float32", 2, 8, 6, 2, true).q?.length).toBe(2 * 8 * 6);
  });

  it("AdamW keeps its moments in the model's memory; a second optimizer takes it over, the first keeps its numbers", () => {
    const model = GPT.create(config, { seed: 3 });
    const first = new AdamW(model.parameters, { lr: 1e-2 });
    trainedStep(model, first);
    expect(heapOf(first.state[2].expAvg as Float32Array)).toBe(heapOf(model.parameters[0].data as Float32Array));
    const kept = first.state.map((s) => Array.from(s.expAvgSq));
    const second = new AdamW(model.parameters, { lr: 1e-2 });
    expect(first.state.map((s) => Array.from(s.expAvgSq))).toEqual(kept);
    expect(heapOf(first.state[2].expAvg as Float32Array)).toBeNull();
    expect(tensorsOf(model.parameters)?.optimizer).toBe(second);
    expect(Array.from(second.state[2].expAvgSq).every((x) => x === 0)).toBe(true);
  });

  it("the one-pass AdamW gives the bits of the per-parameter loop", () => {
    const [a, b] = [GPT.create(config, { seed: 5 }), GPT.create(config, { seed: 5 })];
    const [inPlace, own] = [new AdamW(a.parameters, { lr: 1e-2 }), new AdamW([...b.parameters], { lr: 1e-2 })]; // a copy of the list: not the model's
    expect(heapOf(own.state[0].expAvg as Float32Array)).toBeNull();
    for (let step = 0; step < 3; step++) expect(trainedStep(a, inPlace)).toBe(trainedStep(b, own));
    a.parameters.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(b.parameters[i].data)));
  });
});
