// Watching a run: one status line (the terminal's progress bar and the notebook's live figure share it) and the
// train and validation loss curves.
import { checkOptions, describe } from "../../core/options.js";
import { lineChart } from "../../plot/lineChart.js";
import type { Figure } from "../../plot/figure.js";
import type { TrainProgress } from "./train.js";

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/**
 * "step 120/2000 | loss 2.3456 | val 2.4012 | lr 9.87e-4 | 5,432 tok/s | 0:45 elapsed, 5:12 left".
 * With timings false, the speed and times are left out: what stays is the same on every run.
 */
export function progressLine(progress: TrainProgress, options: { timings?: boolean } = {}): string {
  const { timings = true } = checkOptions("progressLine", options, { timings: "boolean" });
  if (progress === null || typeof progress !== "object" || !Number.isFinite(progress.step) || !Number.isFinite(progress.lr)) {
    throw new TypeError(`progressLine: progress must be what train() reports, e.g. { step: 1, steps: 10, lr: 1e-3, ... }, got ${describe(progress)}`);
  }
  const { step, steps, trainLoss, valLoss, lr, tokensPerSecond, elapsedSeconds, secondsLeft } = progress;
  const parts = [`step ${String(step).padStart(String(steps).length)}/${steps}`];
  if (trainLoss !== undefined) parts.push(`loss ${trainLoss.toFixed(4)}`);
  if (valLoss !== undefined) parts.push(`val ${valLoss.toFixed(4)}`);
  parts.push(`lr ${lr.toExponential(2)}`);
  if (timings) {
    if (step > 0) parts.push(`${Math.round(tokensPerSecond).toLocaleString("en-US")} tok/s`);
    parts.push(`${formatDuration(elapsedSeconds)} elapsed` + (secondsLeft === undefined ? "" : `, ${formatDuration(secondsLeft)} left`));
  }
  return parts.join(" | ");
}

/** The loss of each step's batch and the validation loss at each evaluation, against the step. */
export function lossCurves(history: readonly TrainProgress[], options: { title?: string; width?: number; height?: number } = {}): Figure {
  const { title, width = 560, height = 300 } = checkOptions("lossCurves", options, { title: "string", width: { kind: "integer", min: 1 }, height: { kind: "integer", min: 1 } });
  if (!Array.isArray(history)) throw new TypeError("lossCurves: history must be an array, e.g. the history train() returns");
  const trained = history.filter((p) => p.trainLoss !== undefined);
  const evaluated = history.filter((p) => p.valLoss !== undefined);
  if (trained.length === 0) throw new RangeError("lossCurves: the history has no trained step yet");
  const series = [{ x: trained.map((p) => p.step), y: trained.map((p) => p.trainLoss as number), name: "train (batch loss)" }];
  if (evaluated.length > 0) series.push({ x: evaluated.map((p) => p.step), y: evaluated.map((p) => p.valLoss as number), name: "validation" });
  return lineChart(
    series,
    { xLabel: "step", yLabel: "loss", title, width, height },
  );
}

/** Where live progress goes: one output that each call replaces (e.g. a tslab display made with newDisplay). */
export interface LiveDisplay {
  show(figure: Figure): void;
}

/**
 * A progress callback for train() that redraws one live output: the loss curves, titled with the status line.
 * It redraws from step 1 on, at each evaluation, at the last step, and otherwise at most once every `seconds`
 * (default 1), so that drawing costs little beside training. With finalTimings false, the last picture leaves out
 * speed and times, so that a notebook's saved output is the same on every run.
 */
export function liveTrainingProgress(
  display: LiveDisplay,
  options: { seconds?: number; finalTimings?: boolean } = {},
): (progress: TrainProgress) => void {
  if (typeof display?.show !== "function") throw new TypeError("liveTrainingProgress: display must have show(figure), e.g. liveOutput()");
  const { seconds = 1, finalTimings = true } = checkOptions("liveTrainingProgress", options, { seconds: { kind: "finite", min: 0 }, finalTimings: "boolean" });
  const history: TrainProgress[] = [];
  let last = -Infinity;
  return (progress) => {
    history.push(progress);
    // Step 0 holds only the initial validation loss: the first picture waits for a step with a training loss too.
    if (progress.step === 0) return;
    const final = progress.step === progress.steps;
    const now = performance.now();
    if (progress.valLoss === undefined && !final && now - last < seconds * 1000) return;
    last = now;
    display.show(lossCurves(history, { title: progressLine(progress, { timings: !final || finalTimings }) }));
  };
}
