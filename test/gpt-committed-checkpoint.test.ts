// The committed model, data/shakespeare-char.safetensors, is what its recorded command trains: the same settings
// retrace its first evaluation to the last bit in this fresh process (the whole run is 2,000 steps; 250 are enough
// to catch a change in the data, the init, the batches, the schedule or the float32 arithmetic).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GPT, TextDataset, dataPath, readCheckpoint, train } from "../lib/index.js";

const { model: trained, metadata } = readCheckpoint(dataPath("shakespeare-char.safetensors"));
const settings = JSON.parse(metadata.training) as Record<string, number | string>;
const evaluations = JSON.parse(metadata.evaluations) as { step: number; valLoss: number }[];

describe("the committed checkpoint", () => {
  it("was trained by `npm run train` with the defaults: nanoGPT's CPU recipe", () => {
    expect(metadata.command).toBe("npm run train -- --out=data/shakespeare-char.safetensors");
    expect(JSON.parse(metadata.config)).toEqual({ blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, norm: "pre", vocabSize: 65 });
    expect(settings).toMatchObject({ steps: 2000, batchSize: 12, learningRate: 0.001, minLr: 0.0001, warmupSteps: 100, decaySteps: 2000, seed: 1337, step: 2000 });
    expect(evaluations.map((e) => e.step)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    expect(evaluations[8].valLoss).toBeCloseTo(1.923, 3);
    expect(trained.dtype).toBe("float32");
  });

  it("is reproduced by the same settings: the evaluation at step 250 to the last bit", async () => {
    const dataset = TextDataset.fromText(readFileSync(dataPath("tinyshakespeare.txt"), "utf8"));
    const model = GPT.create(trained.config, { seed: settings.seed as number });
    const { data: _data, step: _step, valLoss: _valLoss, ...options } = settings;
    const run = await train(model, dataset, { ...(options as Record<string, number>), steps: 250 });
    expect(run.evaluations.map((e) => e.step)).toEqual([0, 250]);
    expect(run.evaluations[0].valLoss).toBe(evaluations[0].valLoss);
    expect(run.evaluations[1].valLoss).toBe(evaluations[1].valLoss);
  }, 300_000);
});
