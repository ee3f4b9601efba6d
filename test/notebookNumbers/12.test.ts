// Notebook 12, training on Shakespeare: the data, the model, the budget, TheLittleBaby's runs, computed here with the lib.
import { describe, expect, it } from "vitest";
import { clipGradNorm, Generator, GPT, gptConfig, readDataText } from "../../lib/index.js";
import { printed, prose, shakespeare } from "./shared.js";

const { text, dataset } = shakespeare();

describe("Notebook 12, training on Shakespeare", { timeout: 600_000 }, () => {
  it("has 1,115,393 characters, 65 distinct, 1,003,853 to train on and 111,540 to validate", () => {
    expect(text.length).toBe(1_115_393);
    expect(dataset.vocabSize).toBe(65);
    expect(dataset.train.length).toBe(1_003_853);
    expect(dataset.val.length).toBe(111_540);
    expect(Math.log(65).toFixed(2)).toBe("4.17");
  });

  it("trains 804,096 parameters on 921,600 tokens, about 2 minutes at 7,500 tokens/s, of a 5-minute budget of about 2,900 steps", () => {
    const model = GPT.create(gptConfig({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 }), { seed: 1337 });
    expect(model.parameters.reduce((n, p) => n + p.data.length, 0)).toBe(804_096);
    const tokensPerStep = 12 * 64;
    expect(1200 * tokensPerStep).toBe(921_600);
    expect((1200 * tokensPerStep) / 7500 / 60).toBeCloseTo(2, 0);
    expect(300 * 7500).toBe(2_250_000);
    expect(Math.round((300 * 7500) / tokensPerStep / 100) * 100).toBe(2900);
    expect(20 * tokensPerStep).toBe(15_360);
  });

  it("quotes TheLittleBaby's 3-month run: 1.958 after 11.6 hours", () => {
    const runs = JSON.parse(readDataText("thelittlebaby-runs.json")).runs;
    const threeMonths = runs.find((r: { age: string }) => r.age === "3mo");
    expect(threeMonths.avg_val_loss.toFixed(3)).toBe("1.958");
    expect((threeMonths.total_time_s / 3600).toFixed(1)).toBe("11.6");
    expect(threeMonths.n_ctx).toBe(8);
  });

  it("explains warmup by AdamW's young second moment, and clipping by the fresh gradient's norm of about 4", () => {
    const model = GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 });
    const b = dataset.getBatch("train", 12, 64, new Generator(1337)); // train()'s first batch: the same seed
    model.forward(b.inputs, 12, 64, { targets: b.targets });
    model.zeroGrad();
    model.backward();
    expect(clipGradNorm(model.parameters, 1).toFixed(2)).toBe("3.99");
    const text = prose("12-training.ipynb");
    expect(text).toContain("The fresh model's first gradient has a norm of about 4");
    expect(text).toContain("Not because the first gradients are large");
    expect(text).not.toContain("large and unreliable");
  });

  it("compares training and validation loss on fixed batches, beside a bigram model (train 2.4546, validation 2.4819)", () => {
    const out = printed("12-training.ipynb");
    const V = 65;
    const pairs = new Float64Array(V * V).fill(1);
    for (let i = 0; i + 1 < dataset.train.length; i++) pairs[dataset.train[i] * V + dataset.train[i + 1]]++;
    const rowSum = (a: number) => pairs.subarray(a * V, (a + 1) * V).reduce((x, y) => x + y, 0);
    const loss = (ids: ArrayLike<number>) => { let t = 0; for (let i = 0; i + 1 < ids.length; i++) t -= Math.log(pairs[ids[i] * V + ids[i + 1]] / rowSum(ids[i])); return t / (ids.length - 1); };
    const [train, val] = [loss(dataset.train), loss(dataset.val)].map((v) => v.toFixed(4));
    expect([train, val]).toEqual(["2.4546", "2.4819"]);
    expect(out).toContain(`bigram model: training text ${train}, validation text ${val}`);
    const rows = [...out.matchAll(/^ *(\d+) +(\d\.\d{4}) +(\d\.\d{4}) +(-?\d\.\d{4})$/gm)].map((m) => m.slice(1).map(Number));
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 13 }, (_, k) => 100 * k));
    for (const [step, trainLoss, valLoss, gap] of rows) {
      expect(out).toContain(`step ${String(step).padStart(4)}: validation loss ${valLoss.toFixed(4)}`);
      expect(Math.abs(valLoss - trainLoss - gap)).toBeLessThan(1.5e-4);
    }
  });

  it("states the gap, the bigram level and the warmup, clipping and norm experiment as printed", () => {
    const out = printed("12-training.ipynb");
    const text = prose("12-training.ipynb");
    const rows = new Map([...out.matchAll(/^ *(\d+) +(\d\.\d{4}) +(\d\.\d{4}) +(-?\d\.\d{4})$/gm)].map((m) => [Number(m[1]), m.slice(2).map(Number)]));
    for (const step of [100, 200, 300]) expect(Math.abs(rows.get(step)![2])).toBeLessThan(0.02); // "agree within about 0.02"
    expect(rows.get(500)![2].toFixed(2)).toBe("0.06");
    expect(rows.get(1200)![2].toFixed(2)).toBe("0.17");
    expect(text).toContain(`(${rows.get(1200)![0].toFixed(4)} against ${rows.get(1200)![1].toFixed(4)})`);
    expect(rows.get(200)![1] - 2.4819).toBeLessThan(0.02); // "around step 200 ... at the level of the bigram model"
    expect((2.4819 - 2.4546).toFixed(2)).toBe("0.03");
    const runs = new Map([...out.matchAll(/^((?:pre|post)-norm.*?) +(\d\.\d{4}) +(\d\.\d{4}) +(\d\.\d{4})$/gm)].map((m) => [m[1].trim(), m.slice(2).map(Number)]));
    const val = (name: string) => runs.get(name)![2];
    expect(runs.size).toBe(5);
    expect((val("pre-norm, no warmup") - val("pre-norm (warmup 30, clip 1)")).toFixed(2)).toBe("0.31");
    expect((val("pre-norm, no clipping") - val("pre-norm (warmup 30, clip 1)")).toFixed(2)).toBe("0.38");
    expect((val("post-norm (warmup 30, clip 1)") - val("pre-norm (warmup 30, clip 1)")).toFixed(2)).toBe("0.60");
    expect(val("post-norm, no warmup")).toBeLessThan(val("post-norm (warmup 30, clip 1)"));
    expect(runs.get("pre-norm, no warmup")![0]).toBeLessThan(runs.get("pre-norm (warmup 30, clip 1)")![0]); // "leads at first"
    for (const phrase of ["ends 0.31 higher", "0.38 higher", "0.60 above pre-norm"]) expect(text).toContain(phrase);
  });
});
