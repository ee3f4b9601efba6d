// Notebook 11, backpropagation: the key numbers it prints and its prose states, computed here with the lib.
import { describe, expect, it } from "vitest";
import { AdamW, estimateLoss, sameAsInputWeights, selfAttention, crossEntropy, diagram, Generator, GPT, gptConfig, layerNormBackward, Matrix } from "../../lib/index.js";
import { printed, prose, shakespeare } from "./shared.js";

const { tokenizer, dataset } = shakespeare();
const batch = dataset.getBatch("train", 12, 64, new Generator(1337));

describe("Notebook 11, backpropagation", { timeout: 600_000 }, () => {
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

  it("attention's backward: the softmax Jacobian, its one-line form and finite differences agree on the row of 'step'", () => {
    const out = printed("11-backpropagation.ipynb");
    const a = selfAttention(diagram.x, sameAsInputWeights(3), { scale: true, causal: true }).weights.row(5);
    const rows = [...out.matchAll(/^(Your|journey|starts|with|one|step)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$/gm)].filter((m) => m[0].split(/\s+/).length === 6);
    expect(rows.map((m) => m[1])).toEqual(diagram.tokens);
    rows.forEach((m, j) => {
      expect(m[2]).toBe(a[j].toFixed(4));
      expect(m[3]).toBe(diagram.x.get(j, 0).toFixed(4)); // da_j = dy . v_j, dy = [1, 0, 0]
      const [jacobian, line, numeric] = [m[4], m[5], m[6]].map(Number);
      expect(jacobian).toBe(line);
      expect(Math.abs(line - numeric)).toBeLessThan(1e-9);
    });
    const dq = /dq of "step", by hand: +\[(.*)\]\ndq of "step", finite differences: \[(.*)\]/.exec(out)!;
    const [byHand, numeric] = [dq[1], dq[2]].map((t) => t.split(", ").map(Number));
    byHand.forEach((v, c) => expect(Math.abs(v - numeric[c])).toBeLessThan(1e-9));
  });

  it("residuals: without shortcuts the gradient fades about 3x per layer on its way down; with them it does not", () => {
    const out = printed("11-backpropagation.ipynb");
    const rows = [...out.matchAll(/^ {4}(\d)   +(\S+e-?\d+)   +(\S+e-?\d+)$/gm)].map((m) => [Number(m[2]), Number(m[3])]);
    expect(rows).toHaveLength(8);
    const plain = rows.map((r) => r[0]), shortcut = rows.map((r) => r[1]);
    for (let l = 0; l < 7; l++) {
      expect(plain[l + 1] / plain[l]).toBeGreaterThan(2.5);
      expect(plain[l + 1] / plain[l]).toBeLessThan(4); // "divides the gradient by about 3"
      expect(shortcut[l]).toBeGreaterThanOrEqual(shortcut[l + 1]); // "even grows a little toward the bottom"
    }
    expect(plain[0] / plain[7]).toBeLessThan(1e-3); // "thousands of times less"
    expect(prose("11-backpropagation.ipynb")).toContain("each layer divides the gradient by about 3");
  });

  it("AdamW's first step by hand; per batch, the model beats its batch's frequency loss from step 11; context after 21 steps", () => {
    const out = printed("11-backpropagation.ipynb");
    const step = /wte\[0\] after the step, by hand (\S+), by AdamW (\S+)/.exec(out)!;
    expect(Math.abs(Number(step[1]) - Number(step[2]))).toBeLessThan(2e-8);
    // 21 steps, as the notebook takes them: one on the first batch, then 20 on new batches.
    const model = GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 });
    const optimizer = new AdamW(model.parameters, { lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.1 });
    const stepOn = (b: { inputs: Int32Array; targets: Int32Array }) => {
      const loss = model.forward(b.inputs, 12, 64, { targets: b.targets }).loss as number;
      model.zeroGrad();
      model.backward();
      optimizer.step();
      return loss;
    };
    stepOn(batch);
    const frequency = new Float64Array(65);
    for (const id of dataset.train) frequency[id] += 1 / dataset.train.length;
    const unigram = (t: ArrayLike<number>) => Array.from(t).reduce((s, x) => s - Math.log(frequency[x]), 0) / t.length;
    const draws = new Generator(2024);
    const pairs = Array.from({ length: 20 }, () => { const b = dataset.getBatch("train", 12, 64, draws); const u = unigram(b.targets); return [stepOn(b), u]; });
    const firstOfRun = pairs.findIndex((_, k) => pairs.slice(k).every(([l, u]) => l < u)) + 1;
    expect(firstOfRun).toBe(11);
    expect(out).toContain("below its own batch's frequency loss: every batch from step 11 on");
    expect(prose("11-backpropagation.ipynb")).toContain("From step 11 on, every batch's loss is below");
    const us = pairs.map(([, u]) => u);
    expect(out).toContain(`the frequencies alone, batch by batch: ${Math.min(...us).toFixed(2)} to ${Math.max(...us).toFixed(2)}`);
    const valDraws = new Generator(1337);
    let one = 0, uni = 0;
    for (let k = 0; k < 20; k++) {
      const b = dataset.getBatch("val", 12, 64, valDraws);
      one += (model.forward(b.inputs, 768, 1, { targets: b.targets }).loss as number) / 20;
      uni += unigram(b.targets) / 20;
    }
    const full = estimateLoss(model, dataset);
    expect(out).toContain(`  the frequencies alone      ${uni.toFixed(4)}`);
    expect(out).toContain(`  one character of context   ${one.toFixed(4)}`);
    expect(out).toContain(`  the full context (64)      ${full.toFixed(4)}`);
    expect(uni - one).toBeGreaterThan(2 * (one - full)); // "most of the gain ... from the previous character alone"
  });

  it("AdamW wins the race against plain gradient descent", () => {
    const out = printed("11-backpropagation.ipynb");
    const last = (name: string) => Number(new RegExp(`^${name.replace(/[.,]/g, "\\$&")} +first batch \\S+, mean of the last 10 batches (\\S+)$`, "m").exec(out)![1]);
    expect(last("AdamW, lr 0.003")).toBeLessThan(3);
    expect(last("plain SGD, lr 0.3")).toBeGreaterThan(3.2);
    expect(last("plain SGD, lr 1")).toBeGreaterThan(3.2);
    expect(prose("11-backpropagation.ipynb")).toContain("after 100 steps its last batches\naverage below 3");
    expect(prose("11-backpropagation.ipynb")).toContain("divided by the square root of a running average of its square");
  });
});
