// The loss over every target of a split, not over sampled batches: what a model scores on the whole validation text.
// The windows overlap by minContext tokens, and only targets not scored before are scored, so each target counts once
// and (after the split's first window) is predicted from at least minContext tokens before it.
import { checkOptions } from "../../core/options.js";
import { checkForwardModel } from "../checks.js";
import { crossEntropyForward } from "../layers/crossEntropy.js";
import type { GPT } from "../model.js";
import { checkDataset, checkDatasetFitsModel, checkSplitFits, type Split, type TextDataset } from "./dataset.js";

export interface SplitLossOptions {
  /** Which split (default "val"). */
  split?: Split;
  /** Tokens per window (default the model's blockSize). */
  blockSize?: number;
  /** The fewest tokens of context each target has, except in the split's first window (default 0: windows side by side). */
  minContext?: number;
  /** Windows per forward pass (default 12); changes the speed, not the result beyond float rounding. */
  batchSize?: number;
}

/** The mean loss over every target of a split; `targets` says how many were scored (the split's length minus 1). */
export function splitLoss(model: GPT, dataset: TextDataset, options: SplitLossOptions = {}): { loss: number; targets: number } {
  const fn = "splitLoss";
  checkForwardModel(fn, model, ["blockSize", "vocabSize"]);
  checkDataset(fn, dataset);
  checkDatasetFitsModel(fn, model, dataset);
  const o = checkOptions(fn, options, {
    split: ["train", "val"],
    blockSize: { kind: "integer", min: 1 },
    minContext: { kind: "integer", min: 0 },
    batchSize: { kind: "integer", min: 1 },
  });
  const split = o.split ?? "val", T = o.blockSize ?? model.config.blockSize, minContext = o.minContext ?? 0, B = o.batchSize ?? 12;
  if (T > model.config.blockSize) throw new RangeError(`${fn}: blockSize ${T} is longer than the model's context ${model.config.blockSize}`);
  if (minContext >= T) throw new RangeError(`${fn}: minContext ${minContext} must be below blockSize ${T}`);
  checkSplitFits(fn, dataset, split, T);
  const data = split === "train" ? dataset.train : dataset.val;
  const starts: number[] = [];
  for (let s = 0; s + T < data.length; s += T - minContext) starts.push(s);
  if (starts[starts.length - 1] + T < data.length - 1) starts.push(data.length - 1 - T); // the tail, aligned to the end
  const V = model.config.vocabSize;
  let total = 0, scored = 0, next = 0; // next: the first input position whose target is not scored yet
  for (let k = 0; k < starts.length; k += B) {
    const group = starts.slice(k, k + B);
    const inputs = new Int32Array(group.length * T);
    group.forEach((s, b) => inputs.set(data.subarray(s, s + T), b * T));
    const { logits } = model.forward(inputs, group.length, T);
    const rows: number[] = [], targets: number[] = [];
    group.forEach((s, b) => {
      for (let t = Math.max(0, next - s); t < T; t++) {
        rows.push(b * T + t);
        targets.push(data[s + t + 1]);
      }
      next = s + T;
    });
    const picked = new Float64Array(rows.length * V);
    rows.forEach((r, i) => picked.set(logits.subarray(r * V, (r + 1) * V), i * V));
    total += crossEntropyForward(new Float64Array(rows.length * V), picked, targets, rows.length, V) * rows.length;
    scored += rows.length;
  }
  return { loss: total / scored, targets: scored };
}
