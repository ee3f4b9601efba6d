// AdamW as torch.optim.AdamW (single-tensor path, amsgrad off): Adam's update with bias correction, and weight
// decay applied to the weights directly (decoupled), only to matrices (shape.length >= 2), as nanoGPT's
// configure_optimizers groups them: embeddings and linear weights decay, biases and LayerNorm gains do not.
import { useWasm, wasmAdamW } from "../../kernels/wasmGpt.js";
import { checkBytes } from "../../core/memory.js";
import { checkOptions, describe } from "../../core/options.js";
import type { Float, Parameter } from "../parameters.js";
import { checkParameters, checkedAdamW, float32UpdateIsSafe, gradientNorm } from "./finiteUpdate.js";

export interface AdamWOptions {
  /** Learning rate; torch's default 1e-3. step(lr) overrides it for one step (a schedule). */
  lr?: number;
  /** Decay rates of the running mean and mean square of the gradient; torch's default [0.9, 0.999], nanoGPT's recipe [0.9, 0.99]. */
  betas?: [number, number];
  eps?: number;
  /** torch's default 1e-2; nanoGPT's 0.1. */
  weightDecay?: number;
}

export interface AdamWState {
  /** Steps taken. */
  step: number;
  expAvg: Float;
  expAvgSq: Float;
}

export class AdamW {
  readonly parameters: Parameter[];
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** One per parameter, in the same order. */
  readonly state: AdamWState[];

  constructor(parameters: Parameter[], options: AdamWOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2 } = checkOptions("AdamW", options, {
      lr: { kind: "finite", min: 0 }, betas: "numbers", eps: { kind: "finite", greater: 0 }, weightDecay: { kind: "finite", min: 0 },
    });
    if (betas.length !== 2 || !betas.every((b) => b >= 0 && b < 1)) throw new RangeError(`AdamW: betas [${betas.join(", ")}] must be two numbers in [0, 1)`);
    checkParameters("AdamW", parameters);
    // The running mean and mean square: twice the parameters' memory.
    checkBytes("AdamW", "the optimiser state", parameters.reduce((n, p) => n + 2 * p.data.byteLength, 0));
    this.parameters = parameters;
    this.lr = lr;
    this.betas = [betas[0], betas[1]];
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.state = parameters.map((p) => {
      const FloatArray = p.data instanceof Float32Array ? Float32Array : Float64Array;
      return { step: 0, expAvg: new FloatArray(p.data.length), expAvgSq: new FloatArray(p.data.length) };
    });
  }

  /**
   * One update of every parameter from its grad (at this.lr, or lr for this step). gradNorm, the gradients' global
   * norm when already measured (clipGradNorm's result), spares a pass over them. A non-finite gradient, or an update
   * that would store a non-finite number, is an error naming the parameter and the step.
   */
  step(lr: number = this.lr, options: { gradNorm?: number } = {}): void {
    const fn = "AdamW.step";
    if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) throw new RangeError(`${fn}: lr must be a finite number >= 0, got ${describe(lr)}`);
    const given = checkOptions(fn, options, { gradNorm: { kind: "number", min: 0 } }).gradNorm;
    const [beta1, beta2] = this.betas;
    const eps = this.eps;
    const t = (this.state[0]?.step ?? 0) + 1;
    const gradNorm = given !== undefined && Number.isFinite(given) ? given : gradientNorm(fn, this.parameters, t);
    const fast = float32UpdateIsSafe(lr, this.weightDecay, beta1, beta2, t, gradNorm);
    this.parameters.forEach((p, index) => {
      const state = this.state[index];
      state.step += 1;
      const decay = 1 - lr * (p.shape.length >= 2 ? this.weightDecay : 0);
      const stepSize = lr / (1 - beta1 ** state.step); // bias corrections: the running means start at 0
      const correction2 = Math.sqrt(1 - beta2 ** state.step);
      const { data, grad } = p;
      const { expAvg: m, expAvgSq: v } = state;
      if (fast && useWasm(data)) { // float32: the same update in WebAssembly SIMD
        wasmAdamW(data, grad as Float32Array, m as Float32Array, v as Float32Array, decay, beta1, beta2, stepSize, correction2, eps);
        return;
      }
      checkedAdamW(fn, p, m, v, decay, beta1, beta2, stepSize, correction2, eps, state.step, lr);
    });
  }
}

