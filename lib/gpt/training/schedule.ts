// The learning rate over training (nanoGPT's get_lr) and gradient clipping (torch.nn.utils.clip_grad_norm_).
import { describe, requireOptions } from "../../core/options.js";
import type { Parameter } from "../parameters.js";
import { checkParameters, gradientNorm } from "./finiteUpdate.js";

export interface LearningRateSchedule {
  maxLr: number;
  minLr: number;
  /** Steps of linear warmup from maxLr / (warmupSteps + 1) up to maxLr. */
  warmupSteps: number;
  /** The step where the cosine decay reaches minLr (nanoGPT's lr_decay_iters); minLr after it. */
  decaySteps: number;
}

/** nanoGPT's get_lr(step): linear warmup, then half a cosine from maxLr down to minLr, then minLr. */
export function learningRate(step: number, schedule: LearningRateSchedule): number {
  const { maxLr, minLr, warmupSteps, decaySteps } = requireOptions("learningRate", schedule, {
    maxLr: { kind: "finite", min: 0, required: true },
    minLr: { kind: "finite", min: 0, required: true },
    warmupSteps: { kind: "integer", min: 0, required: true },
    decaySteps: { kind: "integer", min: 0, required: true },
  }, "{ maxLr: 1e-3, minLr: 1e-4, warmupSteps: 100, decaySteps: 2000 }");
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`learningRate: step must be an integer >= 0, got ${describe(step)}`);
  if (decaySteps <= warmupSteps) throw new RangeError(`learningRate: decaySteps ${decaySteps} must be greater than warmupSteps ${warmupSteps}`);
  if (step < warmupSteps) return (maxLr * (step + 1)) / (warmupSteps + 1);
  if (step > decaySteps) return minLr;
  const ratio = (step - warmupSteps) / (decaySteps - warmupSteps);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (maxLr - minLr);
}

/**
 * Scales all gradients together so that their global L2 norm is at most maxNorm, as torch.nn.utils.clip_grad_norm_:
 * the norm of the per-parameter norms; every gradient times maxNorm / (norm + 1e-6) when that is below 1.
 * Returns the norm before clipping.
 */
export function clipGradNorm(parameters: readonly Parameter[], maxNorm: number): number {
  checkParameters("clipGradNorm", parameters);
  if (typeof maxNorm !== "number" || !(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new RangeError(`clipGradNorm: maxNorm must be a finite number > 0, got ${describe(maxNorm)}`);
  const norm = gradientNorm("clipGradNorm", parameters);
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient < 1) for (const p of parameters) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= coefficient;
  return norm;
}
