// The training loop: the schedule it follows, the evaluations it makes, the progress it reports, losses that go down,
// and the same losses to the last bit in a fresh process.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  GPT,
  TextDataset,
  estimateLoss,
  gptConfig,
  learningRate,
  readDataText,
  train,
  trainSettings,
  type GPTConfig,
  type TrainOptions,
  type TrainProgress,
} from "../lib/index.js";

const dataset = TextDataset.fromText(readDataText("tinyshakespeare.txt"));
const config = gptConfig({ vocabSize: 65, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 });
const options = { steps: 30, batchSize: 4, warmupSteps: 3, evalInterval: 10, evalBatches: 2, learningRate: 3e-3 };

describe("train", () => {
  it("reports step 0 (the initial validation loss), then every step, with the scheduled learning rate", async () => {
    const model = GPT.create(config, { seed: 1 });
    const heard: TrainProgress[] = [];
    const { history, evaluations } = await train(model, dataset, options, (p) => heard.push(p));
    expect(heard).toEqual(history);
    expect(history.map((p) => p.step)).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(history[0].trainLoss).toBeUndefined();
    expect(history[0].secondsLeft).toBeUndefined();
    expect(history.slice(1).every((p) => Number.isFinite(p.trainLoss) && p.tokensPerSecond > 0 && p.steps === 30)).toBe(true);
    // Step k's update uses nanoGPT's get_lr(k - 1): warmup to 3e-3 over 3 steps, cosine down to 3e-4 at step 30.
    const schedule = { maxLr: 3e-3, minLr: 3e-3 / 10, warmupSteps: 3, decaySteps: 30 };
    expect(history.slice(1).map((p) => p.lr)).toEqual(Array.from({ length: 30 }, (_, k) => learningRate(k, schedule)));
    expect(history[1].lr).toBeCloseTo(7.5e-4, 15);
    expect(evaluations.map((e) => e.step)).toEqual([0, 10, 20, 30]);
    expect(history.filter((p) => p.valLoss !== undefined).map((p) => p.step)).toEqual([0, 10, 20, 30]);
  });

  it("starts near ln(65) and lowers the validation loss measured on the same fixed batches", async () => {
    const model = GPT.create(config, { seed: 1 });
    const { evaluations } = await train(model, dataset, options);
    expect(Math.abs(evaluations[0].valLoss - Math.log(65))).toBeLessThan(0.05);
    expect(evaluations[3].valLoss).toBeLessThan(3.8);
    // The evaluation is estimateLoss on the fixed seeded batches: recomputing it gives the same number.
    expect(estimateLoss(model, dataset, { batches: 2, batchSize: 4, seed: 1337 })).toBe(evaluations[3].valLoss);
  });

  it("gives the same losses for the same seed, others for another seed", async () => {
    const losses = async (seed: number) => (await train(GPT.create(config, { seed: 1 }), dataset, { ...options, steps: 5, seed })).history.map((p) => p.trainLoss);
    const first = await losses(1);
    expect(await losses(1)).toEqual(first);
    expect(await losses(2)).not.toEqual(first);
  });

  it("gives the same loss bits in two fresh processes (float32 and float64, dropout on)", () => {
    const helper = join(import.meta.dirname, "helpers", "trainTiny.mjs");
    for (const dtype of ["float32", "float64"]) {
      const run = () => execFileSync(process.execPath, [helper, "7", dtype], { encoding: "utf8" });
      const a = run();
      const rows = JSON.parse(a) as [number, string | null, string | null][];
      expect(rows.length).toBe(13);
      expect(rows.filter(([, , val]) => val !== null).map(([step]) => step)).toEqual([0, 6, 12]);
      expect(run()).toBe(a);
    }
  }, 60_000);

  it("follows nanoGPT's loop in PyTorch 1.13 step for step (float64: same init, batches, AdamW, clipping, schedule)", async () => {
    // Written by scripts/checkpoint_roundtrip.py --fixture: nanoGPT's train.py loop on the same settings.
    const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "gpt", "pytorch-train.json"), "utf8")) as {
      config: GPTConfig;
      options: Required<TrainOptions>;
      trainLosses: number[];
      evaluations: { step: number; valLoss: number }[];
    };
    const model = GPT.create(gptConfig(fixture.config), { seed: fixture.options.seed, dtype: "float64" });
    const { history, evaluations } = await train(model, dataset, fixture.options);
    const losses = history.slice(1).map((p) => p.trainLoss as number);
    expect(losses.length).toBe(30);
    expect(Math.max(...losses.map((loss, k) => Math.abs(loss - fixture.trainLosses[k])))).toBeLessThan(1e-12);
    expect(evaluations.map((e) => e.step)).toEqual(fixture.evaluations.map((e) => e.step));
    expect(Math.max(...evaluations.map((e, k) => Math.abs(e.valLoss - fixture.evaluations[k].valLoss)))).toBeLessThan(1e-12);
    expect(fixture.trainLosses[29]).toBeLessThan(fixture.trainLosses[0] - 0.5);
  });

  it("stops after the current step on an interrupt (SIGINT), keeping the history, and removes its listener", async () => {
    const listeners = process.listenerCount("SIGINT");
    const model = GPT.create(config, { seed: 1 });
    const result = await train(model, dataset, options, (p) => {
      expect(process.listenerCount("SIGINT")).toBe(listeners + 1);
      if (p.step === 3) process.emit("SIGINT", "SIGINT");
    });
    expect(result.interrupted).toBe(true);
    expect(result.history.map((p) => p.step)).toEqual([0, 1, 2, 3]);
    expect(process.listenerCount("SIGINT")).toBe(listeners);
    const complete = await train(GPT.create(config, { seed: 1 }), dataset, { ...options, steps: 3, decaySteps: 30 });
    expect(complete.interrupted).toBe(false);
    expect(complete.history.map((p) => p.trainLoss)).toEqual(result.history.map((p) => p.trainLoss));
  });

  it("fills the defaults of nanoGPT's recipe and refuses what cannot run", () => {
    const model = GPT.create(config, { seed: 1 });
    expect(trainSettings(model, { steps: 2000 })).toEqual({
      steps: 2000, batchSize: 12, blockSize: 16, learningRate: 1e-3, minLr: 1e-4, warmupSteps: 100, decaySteps: 2000,
      weightDecay: 0.1, beta1: 0.9, beta2: 0.99, gradClip: 1, evalInterval: 250, evalBatches: 20, seed: 1337, evalSeed: 1337,
    });
    expect(() => trainSettings(model, { steps: 10, blockSize: 32 })).toThrow("trainSettings: blockSize 32 is longer than the model's context 16");
    // The default warmup fits any number of steps: min(100, decaySteps / 10).
    expect(trainSettings(model, { steps: 50 })).toMatchObject({ warmupSteps: 5, decaySteps: 50 });
    expect(trainSettings(model, { steps: 5 })).toMatchObject({ warmupSteps: 0, decaySteps: 5 });
    expect(trainSettings(model, { steps: 3000, decaySteps: 600 })).toMatchObject({ warmupSteps: 60, decaySteps: 600 });
    expect(() => trainSettings(model, { steps: 50, warmupSteps: 100 })).toThrow(
      "trainSettings: warmupSteps 100 must be below decaySteps 50 (which defaults to steps); pass a smaller warmupSteps, e.g. { warmupSteps: 5 }, or leave it out (the default fits), or a decaySteps above 100",
    );
    expect(() => trainSettings(model, { steps: 500, warmupSteps: 100, decaySteps: 80 })).toThrow(
      "trainSettings: warmupSteps 100 must be below decaySteps 80; pass a smaller warmupSteps, e.g. { warmupSteps: 8 }",
    );
    expect(() => trainSettings(model, { steps: 10, warmupSteps: 1, minLr: 1 })).toThrow("trainSettings: minLr 1 is above learningRate 0.001");
    expect(() => trainSettings(model, { step: 10 } as unknown as { steps: number })).toThrow('trainSettings: unknown option "step"');
    expect(() => trainSettings(model, {} as { steps: number })).toThrow("trainSettings: option steps is required");
  });

  it("refuses a dataset whose vocabulary is not the model's", async () => {
    const model = GPT.create(gptConfig({ vocabSize: 10, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 }));
    await expect(train(model, dataset, { steps: 10, warmupSteps: 1 })).rejects.toThrow("train: the dataset has 65 characters, the model a vocabulary of 10");
  });
});
