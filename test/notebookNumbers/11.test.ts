// Notebook 11, backpropagation: the key numbers it prints and its prose states, computed here with the lib.
import { describe, expect, it } from "vitest";
import { AdamW, crossEntropy, diagram, Generator, GPT, gptConfig, layerNormBackward, Matrix } from "../../lib/index.js";
import { printed, prose, shakespeare } from "./shared.js";

const { tokenizer, dataset } = shakespeare();
const batch = dataset.getBatch("train", 12, 64, new Generator(1337));

describe("Notebook 11, backpropagation", { timeout: 120_000 }, () => {
  it("the gradients by hand, the whole model's check, one AdamW step lowers the loss", () => {
    const out = printed("11-backpropagation.ipynb");
    expect(out).toContain(`loss = -ln p[2] = -ln 0.1033 = ${crossEntropy(Matrix.from([[1.0, -0.5, 0.3, 2.0, 0.0]]), [2]).loss.toFixed(4)}`);
    const dx = layerNormBackward(Matrix.from([[1, 0, 0]]), Matrix.from([diagram.x.row(0)])).dx.row(0);
    expect(out).toContain(`x[0]     ${dx[0].toFixed(10)}`);
    expect(out).toContain(`x[1]    ${dx[1].toFixed(10)}`);
    // The eight relative differences of the whole model's check, each under 1e-7 ("7 digits or more").
    const relatives = [...out.matchAll(/^transformer\.\S+\s+\d+\s+\S+\s+\S+\s+(\S+)$/gm)].map((m) => Number(m[1]));
    expect(relatives).toHaveLength(8);
    for (const r of relatives) expect(r).toBeLessThan(1e-7);
    const model = GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 });
    const before = model.forward(batch.inputs, 12, 64, { targets: batch.targets }).loss as number;
    model.zeroGrad();
    model.backward();
    const size = (name: string) => Math.sqrt(Array.from(model.parameter(name).grad).reduce((s, v) => s + v * v, 0));
    const first = size("transformer.h.0.mlp.c_fc.weight"), last = size("transformer.h.3.mlp.c_fc.weight");
    expect(first).toBeGreaterThanOrEqual(last); // "the first block ... gets no less than the last"
    expect(out).toContain(`block 0: attention c_attn ${size("transformer.h.0.attn.c_attn.weight").toFixed(4)}, MLP c_fc ${first.toFixed(4)}`);
    new AdamW(model.parameters, { lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.1 }).step();
    const after = model.forward(batch.inputs, 12, 64, { targets: batch.targets }).loss as number;
    expect(after).toBeLessThan(before);
    expect(out).toContain(`loss before the step: ${before.toFixed(4)}`);
    expect(out).toContain(`loss after one step:  ${after.toFixed(4)}   (lower by ${(before - after).toFixed(4)})`);
    const step = /below it: every batch from step (\d+) on/.exec(out)?.[1];
    expect(prose("11-backpropagation.ipynb")).toContain(`From step ${step} on, every batch's loss is below`);
    expect(prose("11-backpropagation.ipynb")).toContain(`Raising x[0] raises the first output by ${dx[0].toFixed(2)} per unit`);
    // The parts of each input's gradient: directly, through the mean, through the deviation r.
    const xs = diagram.x.row(0);
    const mu = xs.reduce((a, b) => a + b, 0) / 3;
    const r = 1 / Math.sqrt(xs.reduce((s, v) => s + (v - mu) ** 2, 0) / 3 + 1e-5);
    const viaDeviation = xs.map((v) => (-(xs[0] - mu) * (v - mu) * r ** 3) / 3);
    expect(viaDeviation.map((v) => v.toFixed(2))).toEqual(["-0.04", "-0.24", "0.28"]);
    expect((-r / 3).toFixed(2)).toBe("-1.09");
    expect(dx[2].toFixed(2)).toBe("-0.81");
    for (const c of [0, 1, 2]) expect(out).toContain(`${viaDeviation[c].toFixed(4).padStart(24)}${dx[c].toFixed(4).padStart(10)}`);
    expect(prose("11-backpropagation.ipynb")).toContain("through the deviation (-0.24)");
    expect(prose("11-backpropagation.ipynb")).toContain("but the deviation gives some back (+0.28)");
  });
});
