// Where a run stopped, so that it continues to the last bit as if it had never stopped: AdamW's moments and step
// counts, the training batches' generator, the step (which is also the schedule's position) and the run's settings.
// It is saved beside the checkpoint, not in it: the checkpoint stays the model's state_dict that PyTorch loads as is
// (and that a reader shares), and the moments, twice the weights' size, are only for whoever continues the run.
import { readSafetensors, writeSafetensors, type Tensor } from "../../io/safetensors.js";
import { onBehalfOf } from "../../core/errors.js";
import { checkOptions, describe } from "../../core/options.js";
import { tensorShapeText } from "../../core/shape.js";
import { checkModel } from "../checks.js";
import type { GeneratorState } from "../../core/random.js";
import type { AdamWStateDict } from "./adamw.js";
import type { GPT } from "../model.js";
import type { TrainSettings } from "./train.js";

export interface TrainState {
  /** Optimiser steps done: a resumed run continues with step + 1. */
  step: number;
  /** The run's settings in full, which a resumed run keeps (it may only raise steps). */
  settings: TrainSettings;
  optimizer: AdamWStateDict;
  /** The generator of the training batches (and dropout), where the next batch will come from. */
  generator: GeneratorState;
}

const FORMAT = "thelittlebaby-train-state";
const RESERVED = ["format", "step", "settings", "generator", "weights"];

/** The file beside a checkpoint that holds its run's state: run.safetensors -> run.resume.safetensors. */
export function trainStatePath(checkpointPath: string): string {
  if (typeof checkpointPath !== "string" || checkpointPath === "") throw new TypeError(`trainStatePath: expected the checkpoint's path, got ${describe(checkpointPath)}`);
  return `${checkpointPath.replace(/\.safetensors$/, "")}.resume.safetensors`;
}

/** FNV-1a over the bytes of every weight: ties a state file to the weights it was saved with. */
export function weightsFingerprint(model: GPT): string {
  checkModel("weightsFingerprint", model);
  let hash = 0x811c9dc5;
  for (const p of model.parameters) {
    const bytes = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * Writes a run's state (from train's result.state, or the state() its onProgress hears) for these weights:
 * exp_avg.NAME and exp_avg_sq.NAME in the model's dtype, the generator's 624 words (as F64, which holds them exactly),
 * and the step, settings and a fingerprint of the weights in the metadata, with any metadata given.
 */
export function saveTrainState(path: string, model: GPT, state: TrainState, options: { metadata?: Record<string, string> } = {}): void {
  const fn = "saveTrainState";
  const { metadata = {} } = checkOptions(fn, options, { metadata: "object" });
  for (const key of Object.keys(metadata)) {
    if (RESERVED.includes(key)) throw new RangeError(`${fn}: metadata ${key} is written by ${fn} itself; choose another key`);
  }
  if (typeof state !== "object" || state === null || !Number.isInteger(state.step)) throw new TypeError(`${fn}: expected a TrainState, e.g. the state train() returns`);
  const tensors = new Map<string, Tensor>();
  const steps: number[] = [];
  for (const { name, step, expAvg, expAvgSq } of state.optimizer.parameters) {
    const p = model.parameter(name);
    tensors.set(`exp_avg.${name}`, { shape: p.shape, data: expAvg });
    tensors.set(`exp_avg_sq.${name}`, { shape: p.shape, data: expAvgSq });
    steps.push(step);
  }
  const { state: words, ...generator } = state.generator;
  tensors.set("generator.state", { shape: [words.length], data: Float64Array.from(words) });
  writeSafetensors(path, tensors, {
    ...metadata,
    format: FORMAT,
    step: String(state.step),
    settings: JSON.stringify({ ...state.settings, optimizerSteps: steps }),
    generator: JSON.stringify(generator),
    weights: weightsFingerprint(model),
  });
}

/**
 * The state saved beside a checkpoint (trainStatePath(checkpointPath)), checked against the model it resumes:
 * the same parameters, and the very weights it was saved with.
 */
export function readTrainState(checkpointPath: string, model: GPT): TrainState & { metadata: Record<string, string> } {
  const fn = "readTrainState";
  checkModel(fn, model);
  const path = onBehalfOf(fn, () => trainStatePath(checkpointPath));
  const file = onBehalfOf(fn, () => readSafetensors(path));
  if (file.metadata.format !== FORMAT) throw new RangeError(`${fn}: ${path} is not a training state (its metadata format is ${file.metadata.format})`);
  if (file.metadata.weights !== weightsFingerprint(model)) {
    throw new RangeError(`${fn}: ${path} was saved with other weights than ${checkpointPath}'s: the two files are from different moments of a run`);
  }
  const { optimizerSteps, ...settings } = JSON.parse(file.metadata.settings) as TrainSettings & { optimizerSteps: number[] };
  const tensor = (name: string) => {
    const t = file.tensors.get(name);
    if (t === undefined) throw new RangeError(`${fn}: ${path} has no ${name}`);
    return t;
  };
  const parameters = model.parameters.map((p, i) => {
    const [expAvg, expAvgSq] = [tensor(`exp_avg.${p.name}`), tensor(`exp_avg_sq.${p.name}`)];
    for (const t of [expAvg, expAvgSq]) {
      if (t.shape.join() !== p.shape.join()) throw new RangeError(`${fn}: ${path}'s moments of ${p.name} are ${tensorShapeText(t.shape)}, the parameter ${tensorShapeText(p.shape)}`);
    }
    return { name: p.name, step: optimizerSteps[i], expAvg: expAvg.data, expAvgSq: expAvgSq.data };
  });
  const generator = { ...JSON.parse(file.metadata.generator), state: Uint32Array.from(tensor("generator.state").data) };
  const metadata = Object.fromEntries(Object.entries(file.metadata).filter(([key]) => !RESERVED.includes(key)));
  return { step: Number(file.metadata.step), settings, optimizer: { parameters }, generator, metadata };
}
