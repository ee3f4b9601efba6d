// The learning rate over training (nanoGPT's get_lr) and gradient clipping (torch.nn.utils.clip_grad_norm_).
import { requireOptions } from "../../core/options.js";
import type { Parameter } from "../parameters.js";

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
    maxLr: { kind: "finite", min: 0 }, minLr: { kind: "finite", min: 0 }, warmupSteps: { kind: "integer", min: 0 }, decaySteps: { kind: "integer", min: 0 },
  }, "{ maxLr: 1e-3, minLr: 1e-4, warmupSteps: 100, decaySteps: 2000 }");
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`learningRate: step ${step} must be an integer >= 0`);
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
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new RangeError(`clipGradNorm: maxNorm ${maxNorm} must be a finite number > 0`);
  let squares = 0;
  for (const p of parameters) {
    let sum = 0;
    for (let i = 0; i < p.grad.length; i++) sum += p.grad[i] * p.grad[i];
    squares += sum; // (the norm of p.grad) squared
  }
  const norm = Math.sqrt(squares);
  if (!Number.isFinite(norm)) throw new RangeError(`clipGradNorm: the gradient norm is ${norm}; a gradient overflowed or is NaN`);
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient < 1) for (const p of parameters) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= coefficient;
  return norm;
}
