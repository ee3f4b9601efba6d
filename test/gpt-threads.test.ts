// The float32 kernels on several threads (lib/kernels/threads.ts): every output element is computed by one thread in
// a fixed order, so seeded training gives the same bits with 1, 2 or 3 threads; a failing chunk is an error.
import { afterAll, describe, expect, it } from "vitest";
import { gptConfig } from "../lib/gpt/config.js";
import { GPT } from "../lib/gpt/model.js";
import { AdamW } from "../lib/gpt/training/adamw.js";
import { Op, parallel, setThreads, threads, workerChunks } from "../lib/kernels/threads.js";
import { heapOf } from "../lib/kernels/wasm.js";
import { seededSteps } from "./helpers/seededSteps.js";

const config = gptConfig({ vocabSize: 65, blockSize: 32, nLayer: 2, nHead: 4, nEmbd: 64, dropout: 0, bias: true });
const B = 6, T = 32;

/** Losses of 4 seeded steps (forward, backward, clipping, AdamW) and every parameter after them. */
function seededRun(): { losses: number[]; parameters: number[][] } {
  const model = GPT.create(config, { seed: 7 });
  const optimizer = new AdamW(model.parameters, { lr: 1e-2, betas: [0.9, 0.99], weightDecay: 0.1 });
  const { losses, x, y } = seededSteps(model, optimizer, B, T, 11, 4);
  losses.push(model.forward(x.slice(0, T), 1, T, { targets: y.slice(0, T) }).loss as number); // and a small evaluation
  return { losses, parameters: model.parameters.map((p) => Array.from(p.data)) };
}

describe("kernel threads", () => {
  const before = threads();
  afterAll(() => setThreads(before));

  it("give the same losses and parameters, to the bit, with 1, 2 and 3 threads", () => {
    setThreads(1);
    const one = seededRun();
    setThreads(2);
    const start = workerChunks.workers;
    // The workers start while the first runs go; on a loaded machine one may take no chunk for a whole run, so run until
    // one has (every run must give the same bits anyway), and only then fail.
    let two = seededRun();
    for (const until = Date.now() + 40_000; workerChunks.workers === start && Date.now() < until; ) two = seededRun();
    expect(workerChunks.workers).toBeGreaterThan(start); // the workers did take chunks
    setThreads(3);
    seededRun();
    const three = seededRun();
    expect(two.losses).toEqual(one.losses);
    expect(three.losses).toEqual(one.losses);
    expect(two.parameters).toEqual(one.parameters);
    expect(three.parameters).toEqual(one.parameters);
    expect(one.losses[3]).toBeLessThan(one.losses[0]);
  }, 120_000);

  it("turn a failing chunk into an error, and go on working after it", () => {
    setThreads(2);
    const model = GPT.create(config, { seed: 7 });
    const heap = heapOf(model.parameters[0].data as Float32Array);
    if (heap === null) throw new Error("no heap");
    expect(() => parallel(heap, 99 as Op, 64, [], { work: 1 << 20 })).toThrow("runChunk: unknown op 99");
    expect(seededRun().losses).toEqual((setThreads(1), seededRun()).losses);
  }, 120_000);

  it("refuse a thread count that is not a whole number from 1 to 256", () => {
    expect(() => setThreads(0)).toThrow("setThreads: 0 threads; give an integer from 1 to 256");
    expect(() => setThreads(1.5)).toThrow("setThreads: 1.5 threads; give an integer from 1 to 256");
  });
});
