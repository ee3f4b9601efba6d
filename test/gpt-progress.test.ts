// Watching training: the status line, the live loss curves in one output, and `npm run train` from a terminal.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDuration, liveTrainingProgress, lossCurves, progressLine, readCheckpoint, type Figure, type TrainProgress } from "../lib/index.js";

const at = (step: number, extra: Partial<TrainProgress> = {}): TrainProgress => ({
  step,
  steps: 2000,
  trainLoss: 4 - step / 1000,
  lr: 1e-3,
  tokensPerSecond: 5432.4,
  elapsedSeconds: 45,
  secondsLeft: 312,
  ...extra,
});

describe("progressLine", () => {
  it("says step, losses, learning rate, speed and time in one line", () => {
    expect(progressLine(at(120, { trainLoss: 2.34561, valLoss: 2.40119, lr: 9.8712e-4 }))).toBe(
      "step  120/2000 | loss 2.3456 | val 2.4012 | lr 9.87e-4 | 5,432 tok/s | 0:45 elapsed, 5:12 left",
    );
    expect(progressLine({ step: 0, steps: 20, valLoss: 4.17, lr: 1e-4, tokensPerSecond: 0, elapsedSeconds: 0.4 })).toBe(
      "step  0/20 | val 4.1700 | lr 1.00e-4 | 0:00 elapsed",
    );
  });

  it("leaves out speed and times when told, so that what stays is the same on every run", () => {
    expect(progressLine(at(120, { valLoss: 2.5 }), { timings: false })).toBe("step  120/2000 | loss 3.8800 | val 2.5000 | lr 1.00e-3");
    expect(() => progressLine(at(1), { timing: false } as object)).toThrow('progressLine: unknown option "timing"');
  });

  it("formats durations as m:ss and h:mm:ss", () => {
    expect([formatDuration(75), formatDuration(3725), formatDuration(0.4), formatDuration(NaN)]).toEqual(["1:15", "1:02:05", "0:00", "?"]);
  });
});

describe("lossCurves and liveTrainingProgress", () => {
  it("draws the train and validation losses against the step", () => {
    const figure = lossCurves([at(0, { trainLoss: undefined, valLoss: 4.2 }), at(1), at(2, { valLoss: 3.9 })], { title: "run" });
    expect(figure.mime).toBe("image/svg+xml");
    expect(figure.markup).toContain("train (batch loss)");
    expect(figure.markup).toContain("validation");
    expect(figure.markup).toContain(">run<");
    expect(() => lossCurves([at(0, { trainLoss: undefined, valLoss: 4.2 })])).toThrow("lossCurves: the history has no trained step yet");
    expect(lossCurves([at(1)]).markup).not.toContain("validation");
  });

  it("redraws one output from step 1, at evaluations and at the end, otherwise at most once every `seconds`", () => {
    const shown: Figure[] = [];
    const progress = liveTrainingProgress({ show: (figure) => shown.push(figure) }, { seconds: 600 });
    progress(at(0, { trainLoss: undefined, valLoss: 4.2 }));
    expect(shown.length).toBe(0);
    progress(at(1));
    expect(shown.length).toBe(1);
    expect(shown[0].markup).toContain("step    1/2000 | loss 3.9990");
    progress(at(2));
    progress(at(3));
    expect(shown.length).toBe(1);
    progress(at(250, { valLoss: 2.5 }));
    expect(shown.length).toBe(2);
    progress(at(2000));
    expect(shown.length).toBe(3);
    expect(shown[2].markup).toContain("step 2000/2000");
    const every: Figure[] = [];
    const eager = liveTrainingProgress({ show: (figure) => every.push(figure) }, { seconds: 0 });
    for (let step = 1; step <= 4; step++) eager(at(step));
    expect(every.length).toBe(4);
    const quiet: Figure[] = [];
    const steady = liveTrainingProgress({ show: (figure) => quiet.push(figure) }, { finalTimings: false });
    steady(at(1999));
    steady(at(2000));
    expect(quiet[0].markup).toContain("tok/s");
    expect(quiet[1].markup).toContain("step 2000/2000 | loss 2.0000 | lr 1.00e-3<");
  });

  it("refuses a display without show", () => {
    expect(() => liveTrainingProgress({} as { show(f: Figure): void })).toThrow("liveTrainingProgress: display must have show(figure)");
  });
});

describe("npm run train (scripts/train.mjs, on the built lib)", () => {
  const script = join(import.meta.dirname, "..", "scripts", "train.mjs");
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });

  it("prints its options with their defaults", () => {
    const { status, stdout } = run("--help");
    expect(status).toBe(0);
    expect(stdout).toContain("Usage: npm run train -- --out=FILE.safetensors [--name=value ...]");
    expect(stdout).toMatch(/--n_layer +integer +transformer blocks \(default 4\)/);
    expect(stdout).toMatch(/--max_iters +integer +optimiser steps \(default 2000\)/);
  });

  it("refuses an unknown option, suggesting the near one, and a missing --out", () => {
    const unknown = run("--n_layers=2", "--out=x.safetensors");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe("--n_layers is not an option (did you mean --n_layer?); see --help for the options\n");
    expect(run("--max_iters=10").stderr).toBe("--out is required, e.g. --out=out/shakespeare.safetensors (see --help)\n");
    expect(run("--out=x", "--dropout=lots").stderr).toBe("--dropout=lots: dropout must be a number\n");
  }, 30_000);

  it("trains, prints progress lines when not on a terminal, and writes a checkpoint that loads", () => {
    const out = join(mkdtempSync(join(tmpdir(), "train-")), "tiny.safetensors");
    const args = ["--n_layer=1", "--n_head=2", "--n_embd=16", "--block_size=16", "--batch_size=4", "--max_iters=6", "--warmup_iters=1", "--eval_interval=3", "--eval_iters=2", "--log_interval=2"];
    const { status, stdout, stderr } = run(`--out=${out}`, ...args);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe(`npm run train -- --out=${out} ${args.join(" ")}`);
    expect(lines.filter((l) => /^step \d: val loss \d\.\d{4}/.test(l)).length).toBe(3);
    expect(lines.filter((l) => /^step [246]\/6 \| loss /.test(l)).length).toBe(3);
    expect(lines[lines.length - 1]).toMatch(/^done: val loss \d\.\d{4} after 6 steps; checkpoint /);
    const { model, tokenizer, metadata } = readCheckpoint(out);
    expect(model.config).toEqual({ vocabSize: 65, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: false, norm: "pre" });
    expect(tokenizer?.vocabSize).toBe(65);
    expect(metadata.command).toBe(lines[0]);
    expect(JSON.parse(metadata.training)).toMatchObject({ step: 6, steps: 6, batchSize: 4, warmupSteps: 1, data: "data/tinyshakespeare.txt" });
  }, 30_000);

  it("stops on Ctrl-C after the current step, writes the checkpoint and exits with 130", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "train-")), "stopped.safetensors");
    const child = spawn(process.execPath, [script, `--out=${out}`, "--n_layer=1", "--n_head=2", "--n_embd=16", "--block_size=16", "--batch_size=4", "--max_iters=1000000", "--warmup_iters=1", "--eval_iters=1", "--log_interval=1"]);
    let stdout = "";
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/step +2\/1000000/.test(stdout) && !child.killed) child.kill("SIGINT");
      });
      child.on("exit", (status) => resolve(status));
    });
    expect(code).toBe(130);
    const step = Number(/interrupted after step (\d+): checkpoint /.exec(stdout)?.[1]);
    expect(step).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(readCheckpoint(out).metadata.training).step).toBe(step);
  }, 30_000);
});
