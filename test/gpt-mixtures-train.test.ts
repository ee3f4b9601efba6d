// train() on a mixture of heads with a top-2 mixture of experts against the same loop in PyTorch:
// test/fixtures/gpt/pytorch-train-mixtures.json, written by scripts/checkpoint_roundtrip.py --fixture
// (python/thelittlebaby_torch.py, float64): the same init, batches, AdamW groups, clipping and schedule, and the
// load-balancing loss trained with weight auxLossWeight while the cross-entropy is what is reported.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GPT, TextDataset, gptConfig, readDataText, train, type GPTConfig, type TrainOptions } from "../lib/index.js";

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "gpt", "pytorch-train-mixtures.json"), "utf8")) as {
  config: GPTConfig;
  options: Required<TrainOptions>;
  trainLosses: number[];
  evaluations: { step: number; valLoss: number }[];
};

describe("train() on moh + top-2 moe against PyTorch", () => {
  it("follows the PyTorch loop step for step in float64: every step's cross-entropy and every validation loss to 1e-12", async () => {
    expect(fixture.config).toMatchObject({ attention: "moh", network: "moe", nExperts: 3, expertTopK: 2, auxLossWeight: 0.1 });
    const model = GPT.create(gptConfig(fixture.config), { seed: fixture.options.seed, dtype: "float64" });
    const { history, evaluations } = await train(model, TextDataset.fromText(readDataText("tinyshakespeare.txt")), fixture.options);
    const losses = history.slice(1).map((p) => p.trainLoss as number);
    expect(losses.length).toBe(30);
    expect(Math.max(...losses.map((loss, k) => Math.abs(loss - fixture.trainLosses[k])))).toBeLessThan(1e-12);
    expect(evaluations.map((e) => e.step)).toEqual([0, 10, 20, 30]);
    expect(Math.max(...evaluations.map((e, k) => Math.abs(e.valLoss - fixture.evaluations[k].valLoss)))).toBeLessThan(1e-12);
    expect(fixture.trainLosses[29]).toBeLessThan(fixture.trainLosses[0] - 0.5);
  });
});
