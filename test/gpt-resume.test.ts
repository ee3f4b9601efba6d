// Resuming: a run stopped at step k and continued from the files it saved gives the losses, the weights and the
// optimiser's moments of the run that never stopped, to the last bit.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AdamW,
  GPT,
  Generator,
  TextDataset,
  gptConfig,
  readCheckpoint,
  readDataText,
  readTrainState,
  saveCheckpoint,
  train,
  trainStatePath,
  type TrainProgress,
} from "../lib/index.js";

const dataset = TextDataset.fromText(readDataText("tinyshakespeare.txt"));
const config = gptConfig({ vocabSize: 65, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0.1 });
const options = { steps: 30, batchSize: 4, evalInterval: 10, evalBatches: 2, learningRate: 3e-3 };

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
const trainLosses = (history: TrainProgress[]) => history.filter((p) => p.trainLoss !== undefined).map((p) => [p.step, p.trainLoss, p.lr]);

describe("resuming a run", () => {
  it("stopped at step 13 and resumed from its files, gives the uninterrupted run's losses, weights and moments to the bit", async () => {
    const whole = GPT.create(config, { seed: 7 });
    const uninterrupted = await train(whole, dataset, options);

    const stopped = GPT.create(config, { seed: 7 });
    const first = await train(stopped, dataset, options, (p) => {
      if (p.step === 13) process.emit("SIGINT", "SIGINT");
    });
    expect(first.interrupted).toBe(true);
    expect(first.state.step).toBe(13);
    const path = join(mkdtempSync(join(tmpdir(), "resume-")), "run.safetensors");
    saveCheckpoint(path, stopped, { tokenizer: dataset.tokenizer, trainState: first.state });
    expect(trainStatePath(path)).toBe(path.replace(/\.safetensors$/, ".resume.safetensors"));

    const { model } = readCheckpoint(path);
    const state = readTrainState(path, model);
    expect(state.step).toBe(13);
    expect(state.settings).toEqual({ ...first.state.settings });
    const second = await train(model, dataset, { resume: state });
    expect(second.interrupted).toBe(false);
    expect(second.history[0]).toMatchObject({ step: 13, steps: 30 });
    expect(second.evaluations.map((e) => e.step)).toEqual([13, 20, 30]);

    // Dropout is on (0.1): the generator's state carries the masks as well as the batches.
    expect([...trainLosses(first.history), ...trainLosses(second.history)]).toEqual(trainLosses(uninterrupted.history));
    expect(second.evaluations.slice(1)).toEqual(uninterrupted.evaluations.slice(2));
    for (const [i, p] of whole.parameters.entries()) expect(sameBits(model.parameters[i].data, p.data), p.name).toBe(true);
    const a = uninterrupted.state.optimizer.parameters;
    const b = second.state.optimizer.parameters;
    expect(b.map((p) => p.step)).toEqual(a.map(() => 30));
    expect(a.every((p, i) => sameBits(p.expAvg, b[i].expAvg) && sameBits(p.expAvgSq, b[i].expAvgSq))).toBe(true);
  }, 120_000);

  it("keeps the run's settings: only steps may change, and must go further", async () => {
    const model = GPT.create(config, { seed: 7 });
    const { state } = await train(model, dataset, { ...options, steps: 4, decaySteps: 30 });
    await expect(train(model, dataset, { resume: state, learningRate: 1e-3 })).rejects.toThrow(
      "train: a resumed run keeps its settings: learningRate 0.001 differs from the run's 0.003 (only steps may change)",
    );
    await expect(train(model, dataset, { resume: state })).rejects.toThrow("train: the run to resume has done 4 steps already; pass steps above 4 to go further");
    const further = await train(model, dataset, { resume: state, steps: 6, learningRate: 3e-3 });
    expect(further.history.map((p) => p.step)).toEqual([4, 5, 6]);
  }, 60_000);

  it("refuses a state file saved with other weights", async () => {
    const model = GPT.create(config, { seed: 7 });
    const { state } = await train(model, dataset, { ...options, steps: 2 });
    const path = join(mkdtempSync(join(tmpdir(), "resume-")), "run.safetensors");
    saveCheckpoint(path, model, { trainState: state });
    const other = GPT.create(config, { seed: 8 });
    expect(() => readTrainState(path, other)).toThrow(`readTrainState: ${trainStatePath(path)} was saved with other weights than ${path}'s`);
    saveCheckpoint(path, other); // the weights move on without their state
    expect(() => readTrainState(path, readCheckpoint(path).model)).toThrow("was saved with other weights");
    writeFileSync(trainStatePath(path), readFileSync(path));
    expect(() => readTrainState(path, other)).toThrow(`readTrainState: ${trainStatePath(path)} is not a training state (its metadata format is thelittlebaby-gpt)`);
  });
});

describe("the state a run is made of", () => {
  it("Generator.getState / setState continue the very sequence, the kept normal draw included", () => {
    const g = new Generator(42);
    for (let i = 0; i < 700; i++) g.nextUint32();
    g.nextNormal();
    const saved = g.getState();
    const expected = [g.nextNormal(), g.nextUint32(), g.nextDouble()];
    const h = new Generator(1).setState(saved);
    expect([h.nextNormal(), h.nextUint32(), h.nextDouble()]).toEqual(expected);
    expect(h.initialSeed).toBe(42);
    expect(() => h.setState({ ...saved, index: 625 })).toThrow("Generator.setState: index 625 must be an integer in [0, 624]");
    expect(() => h.setState({ ...saved, state: [1, 2] })).toThrow("Generator.setState: state must be 624 integers in [0, 2^32)");
  });

  it("AdamW.stateDict / loadStateDict copy the moments and steps in and out, checking names and sizes", () => {
    const model = GPT.create(config, { seed: 7 });
    const adam = new AdamW(model.parameters);
    for (const p of model.parameters) p.grad.fill(0.5);
    adam.step();
    const saved = adam.stateDict();
    expect(saved.parameters[0]).toMatchObject({ name: "transformer.wte.weight", step: 1 });
    saved.parameters[0].expAvg[0] = 123; // a copy: the optimiser's own moments are not touched
    expect(adam.stateDict().parameters[0].expAvg[0]).toBeCloseTo(0.05, 6);
    const fresh = new AdamW(model.parameters);
    fresh.loadStateDict(saved);
    expect(fresh.stateDict().parameters[0].expAvg[0]).toBe(123);
    expect(fresh.stateDict().parameters[3].step).toBe(1);
    const renamed = { parameters: saved.parameters.map((p, i) => (i === 1 ? { ...p, name: "x" } : p)) };
    expect(() => fresh.loadStateDict(renamed)).toThrow("AdamW.loadStateDict: state 1 is for x, the optimiser's parameter 1 is transformer.wpe.weight");
    expect(() => fresh.loadStateDict({ parameters: saved.parameters.slice(1) })).toThrow("AdamW.loadStateDict: the state has 8 parameters, the optimiser 9");
  });
});
