// The training loop, as nanoGPT's train.py: for each step a random batch, forward, backward, clip the gradient's
// global norm, one AdamW step at the scheduled learning rate; every evalInterval steps the loss on fixed
// validation batches. Seeded: the same seed gives the same losses to the last bit.
import { checkOptions } from "../../core/options.js";
import { DEFAULT_SEED, GENERATOR_HINT, SEED_RULE, Generator } from "../../core/random.js";
import { AdamW } from "./adamw.js";
import { checkDataset, checkDatasetFitsModel, checkSplitFits, estimateLoss, type TextDataset } from "./dataset.js";
import type { GPT } from "../model.js";
import { checkModel } from "../checks.js";
import { checkForwardMemory } from "../memory.js";
import { clipGradNorm, learningRate } from "./schedule.js";
import type { TrainState } from "./trainState.js";

export interface TrainOptions {
  /** Optimiser steps (nanoGPT's max_iters); required, except when resuming (then the run's own, or more). */
  steps?: number;
  /** Windows per batch (default 12, the CPU recipe). */
  batchSize?: number;
  /** Tokens per window (default the model's blockSize). */
  blockSize?: number;
  /** The peak learning rate, after warmup (default 1e-3). */
  learningRate?: number;
  /** The learning rate the cosine decays to (default learningRate / 10, as nanoGPT's min_lr). */
  minLr?: number;
  /** Steps of linear warmup (default min(100, decaySteps / 10): 100 as nanoGPT's shakespeare_char from 1000 steps on). */
  warmupSteps?: number;
  /** The step where the cosine reaches minLr (default steps, as lr_decay_iters = max_iters). */
  decaySteps?: number;
  /** AdamW's decoupled weight decay on the 2-D parameters (default 0.1). */
  weightDecay?: number;
  /** AdamW's betas (default 0.9 and 0.99, as shakespeare_char: few tokens per step). */
  beta1?: number;
  beta2?: number;
  /** Clip the gradient's global norm to this (default 1; 0 turns clipping off). */
  gradClip?: number;
  /** Evaluate every this many steps, and after the last (default 250). */
  evalInterval?: number;
  /** Validation batches per evaluation (default 20, as the CPU recipe's eval_iters). */
  evalBatches?: number;
  /** Seeds the training batches and dropout (default DEFAULT_SEED). The validation batches have their own fixed seed. */
  seed?: number;
  /** Seeds the fixed validation batches (default DEFAULT_SEED). */
  evalSeed?: number;
  /**
   * Continue a stopped run exactly where it stopped (result.state, or readTrainState beside its checkpoint): the
   * same losses and weights to the last bit as a run that never stopped. The run keeps its settings; only steps
   * may be given, to go further.
   */
  resume?: TrainState;
}

/** A run's options with every default filled in. */
export type TrainSettings = Required<Omit<TrainOptions, "resume">>;

/** What the progress callback hears after each step (and once before the first, with the initial validation loss). */
export interface TrainProgress {
  /** Optimiser steps done so far (0 before the first). */
  step: number;
  steps: number;
  /** The loss of this step's batch, before its update (undefined at step 0). */
  trainLoss?: number;
  /** The loss on the fixed validation batches, after this step (only at evaluation steps). */
  valLoss?: number;
  /** The learning rate of this step's update (at step 0: of the first update). */
  lr: number;
  /** Training tokens per second so far, evaluations left out. */
  tokensPerSecond: number;
  elapsedSeconds: number;
  /** An estimate from the pace so far (undefined at step 0, before there is a pace). */
  secondsLeft?: number;
}

export interface TrainResult {
  /** One entry per step, and the starting step first (0, or the step a resumed run starts from) with its validation loss. */
  history: TrainProgress[];
  /** The evaluations alone: the starting step, every evalInterval steps, and the last step. */
  evaluations: { step: number; valLoss: number }[];
  /** True when an interrupt (SIGINT: Ctrl-C, or a notebook's stop button) ended training before the last step. */
  interrupted: boolean;
  /** Where the run stopped: save it beside the checkpoint (saveCheckpoint's trainState) to resume it later. */
  state: TrainState;
}

const trainSpec = {
  steps: { kind: "integer", min: 1 },
  batchSize: { kind: "integer", min: 1 },
  blockSize: { kind: "integer", min: 1 },
  learningRate: { kind: "finite", min: 0 },
  minLr: { kind: "finite", min: 0 },
  warmupSteps: { kind: "integer", min: 0 },
  decaySteps: { kind: "integer", min: 1 },
  weightDecay: { kind: "finite", min: 0 },
  beta1: { kind: "finite", min: 0, less: 1 },
  beta2: { kind: "finite", min: 0, less: 1 },
  gradClip: { kind: "finite", min: 0 },
  evalInterval: { kind: "integer", min: 1 },
  evalBatches: { kind: "integer", min: 1 },
  seed: SEED_RULE,
  evalSeed: SEED_RULE,
  resume: "object",
} as const;

/** The options with every default filled in: what a run was, in full (a checkpoint records it). */
export function trainSettings(model: GPT, options: TrainOptions): TrainSettings {
  return settingsOf("trainSettings", model, options);
}

function settingsOf(fn: string, model: GPT, options: TrainOptions): TrainSettings {
  checkModel(fn, model);
  if (options === undefined || options === null) throw new TypeError(`${fn}: options are required, e.g. { steps: 2000 }`);
  const o = checkOptions(fn, options, trainSpec, GENERATOR_HINT);
  if (o.resume !== undefined) return resumedSettings(o.resume, o);
  if (o.steps === undefined) throw new TypeError(`${fn}: option steps is required, e.g. { steps: 2000 }`);
  const lr = o.learningRate ?? 1e-3;
  const decaySteps = o.decaySteps ?? o.steps;
  const settings: TrainSettings = {
    steps: o.steps,
    batchSize: o.batchSize ?? 12,
    blockSize: o.blockSize ?? model.config.blockSize,
    learningRate: lr,
    minLr: o.minLr ?? lr / 10,
    warmupSteps: o.warmupSteps ?? Math.min(100, Math.floor(decaySteps / 10)),
    decaySteps,
    weightDecay: o.weightDecay ?? 0.1,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.99,
    gradClip: o.gradClip ?? 1,
    evalInterval: o.evalInterval ?? 250,
    evalBatches: o.evalBatches ?? 20,
    seed: o.seed ?? DEFAULT_SEED,
    evalSeed: o.evalSeed ?? DEFAULT_SEED,
  };
  if (settings.blockSize > model.config.blockSize) {
    throw new RangeError(`${fn}: blockSize ${settings.blockSize} is longer than the model's context ${model.config.blockSize}`);
  }
  checkForwardMemory(fn, model.config, model.dtype, settings.batchSize, settings.blockSize, true);
  if (settings.minLr > settings.learningRate) throw new RangeError(`${fn}: minLr ${settings.minLr} is above learningRate ${settings.learningRate}`);
  if (settings.warmupSteps >= settings.decaySteps) {
    const decay = o.decaySteps === undefined ? ` (which defaults to steps)` : "";
    const fit = Math.floor(settings.decaySteps / 10);
    throw new RangeError(
      `${fn}: warmupSteps ${settings.warmupSteps} must be below decaySteps ${settings.decaySteps}${decay}; ` +
        `pass a smaller warmupSteps, e.g. { warmupSteps: ${fit} }, or leave it out (the default fits), or a decaySteps above ${settings.warmupSteps}`,
    );
  }
  return settings;
}

/** A resumed run's settings: the saved ones, steps raised if asked; any other option must agree with them. */
function resumedSettings(state: TrainState, o: TrainOptions): TrainSettings {
  const saved = state.settings;
  if (typeof saved !== "object" || saved === null || !Number.isInteger(state.step)) throw new TypeError("train: resume must be a TrainState (result.state, or readTrainState)");
  for (const [key, value] of Object.entries(o) as [keyof TrainSettings, unknown][]) {
    if (key === ("resume" as string) || key === "steps" || value === undefined || value === saved[key]) continue;
    throw new RangeError(`train: a resumed run keeps its settings: ${key} ${value} differs from the run's ${saved[key]} (only steps may change)`);
  }
  const steps = o.steps ?? saved.steps;
  if (steps <= state.step) throw new RangeError(`train: the run to resume has done ${state.step} steps already; pass steps above ${state.step} to go further`);
  return { ...saved, steps };
}

// Lets an interrupt be heard between steps.
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains the model in place and returns its history. onProgress hears every step; the promise resolves after the
 * last step's evaluation. An interrupt (SIGINT: Ctrl-C in a terminal, the stop button of a notebook) ends training
 * after the current step, keeping what it learned (result.interrupted); a second Ctrl-C in a terminal quits at once.
 * result.state (and the state() onProgress hears, for a save at an evaluation) is where the run is: saved beside a
 * checkpoint (saveCheckpoint's trainState) and given back as the option resume, the run continues to the last bit.
 */
export async function train(
  model: GPT,
  dataset: TextDataset,
  options: TrainOptions,
  onProgress?: (progress: TrainProgress, state: () => TrainState) => unknown,
): Promise<TrainResult> {
  checkDataset("train", dataset);
  const s = settingsOf("train", model, options);
  const resume = options.resume;
  checkDatasetFitsModel("train", model, dataset);
  for (const split of ["train", "val"] as const) checkSplitFits("train", dataset, split, s.blockSize);
  model.tokenizer = dataset.tokenizer; // what its token ids mean from now on, for saveCheckpoint
  if (onProgress !== undefined && typeof onProgress !== "function") throw new TypeError("train: onProgress must be a function");
  const schedule = { maxLr: s.learningRate, minLr: s.minLr, warmupSteps: s.warmupSteps, decaySteps: s.decaySteps };
  const optimizer = new AdamW(model.parameters, { lr: s.learningRate, betas: [s.beta1, s.beta2], eps: 1e-8, weightDecay: s.weightDecay });
  const generator = new Generator(s.seed);
  const first = resume === undefined ? 0 : resume.step;
  if (resume !== undefined) {
    optimizer.loadStateDict(resume.optimizer);
    generator.setState(resume.generator);
  }
  let done = first;
  const state = (): TrainState => ({ step: done, settings: s, optimizer: optimizer.stateDict(), generator: generator.getState() });
  const evaluate = () => estimateLoss(model, dataset, { batches: s.evalBatches, batchSize: s.batchSize, blockSize: s.blockSize, seed: s.evalSeed });
  const tokensPerStep = s.batchSize * s.blockSize;

  const history: TrainProgress[] = [];
  const evaluations: { step: number; valLoss: number }[] = [];
  const start = performance.now();
  let trainingMs = 0;
  // The callback may be async: its promise is awaited, and what it throws stops training, saying at which step.
  const report = async (progress: TrainProgress): Promise<void> => {
    history.push(progress);
    try {
      await onProgress?.(progress, state);
    } catch (error) {
      throw new Error(`train: onProgress threw at step ${progress.step}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  };

  // An interrupt ends training after the current step; the listener then removes itself, so a second Ctrl-C quits.
  // It listens from the next turn of the event loop: a SIGINT listener added while a tslab cell's synchronous part
  // runs (vm.runInThisContext with breakOnSigint) makes the notebook's stop button kill the kernel.
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
    process.off("SIGINT", onInterrupt);
  };
  await nextTurn();
  process.on("SIGINT", onInterrupt);
  try {
    const initial = evaluate();
    evaluations.push({ step: first, valLoss: initial });
    await report({ step: first, steps: s.steps, valLoss: initial, lr: learningRate(first, schedule), tokensPerSecond: 0, elapsedSeconds: (performance.now() - start) / 1000 });
    await nextTurn();

    for (let step = first + 1; step <= s.steps && !interrupted; step++) {
      // nanoGPT's iteration iter_num = step - 1 uses get_lr(iter_num).
      const lr = learningRate(step - 1, schedule);
      const stepStart = performance.now();
      const { inputs, targets } = dataset.getBatch("train", s.batchSize, s.blockSize, generator);
      let loss: number | undefined;
      try {
        model.zeroGrad();
        ({ loss } = model.forward(inputs, s.batchSize, s.blockSize, { targets, training: true, generator }));
        model.backward();
        const gradNorm = s.gradClip > 0 ? clipGradNorm(model.parameters, s.gradClip) : undefined;
        optimizer.step(lr, { gradNorm });
      } catch (error) {
        // A loss or an update that overflowed: the inner message says what, this says when.
        throw new RangeError(`train: step ${step} failed (learning rate ${lr}; a lower learningRate may help): ${(error as Error).message}`, { cause: error });
      }
      done = step;
      trainingMs += performance.now() - stepStart;

      let valLoss: number | undefined;
      if (step % s.evalInterval === 0 || step === s.steps) {
        valLoss = evaluate();
        evaluations.push({ step, valLoss });
      }
      const elapsedSeconds = (performance.now() - start) / 1000;
      await report({
        step,
        steps: s.steps,
        trainLoss: loss,
        ...(valLoss === undefined ? {} : { valLoss }),
        lr,
        tokensPerSecond: ((step - first) * tokensPerStep) / (trainingMs / 1000),
        elapsedSeconds,
        secondsLeft: (elapsedSeconds / (step - first)) * (s.steps - step),
      });
      await nextTurn();
    }
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  return { history, evaluations, interrupted, state: state() };
}
