// AdamW as torch.optim.AdamW (single-tensor path, amsgrad off): Adam's update with bias correction, and weight
// decay applied to the weights directly (decoupled), only to matrices (shape.length >= 2), as nanoGPT's
// configure_optimizers groups them: embeddings and linear weights decay, biases and LayerNorm gains do not.
import { useWasm, wasmAdamW, wasmAdamWTensors } from "../../kernels/wasmGpt.js";
import { checkBytes } from "../../core/memory.js";
import { powWhole } from "../../core/pow.js";
import { checkOptions, describe } from "../../core/options.js";
import type { Float, Parameter } from "../parameters.js";
import { tensorsOf, type ModelTensors } from "../tensors.js";
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

/** AdamW's state as torch's optimizer.state_dict() keeps it: per parameter (by name) its step and both moments. */
export interface AdamWStateDict {
  parameters: { name: string; step: number; expAvg: Float; expAvgSq: Float }[];
}

export class AdamW {
  readonly parameters: Parameter[];
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** One per parameter, in the same order. */
  readonly state: AdamWState[];
  // The model's memory, when the parameters are a GPT's: the moments are views of it while this is its newest optimizer.
  private readonly tensors: ModelTensors | undefined;

  constructor(parameters: Parameter[], options: AdamWOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2 } = checkOptions("AdamW", options, {
      lr: { kind: "finite", min: 0 }, betas: "numbers", eps: { kind: "finite", greater: 0 }, weightDecay: { kind: "finite", min: 0 },
    });
    if (betas.length !== 2 || !betas.every((b) => b >= 0 && b < 1)) throw new RangeError(`AdamW: betas [${betas.join(", ")}] must be two numbers in [0, 1)`);
    checkParameters("AdamW", parameters);
    this.parameters = parameters;
    this.lr = lr;
    this.betas = [betas[0], betas[1]];
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.tensors = tensorsOf(parameters);
    const tensors = this.tensors;
    if (tensors !== undefined) {
      // The newest optimizer of a model keeps its moments in the model's memory; an older one moves to arrays of its own.
      (tensors.optimizer as AdamW | null)?.moveOut();
      tensors.expAvg.fill(0);
      tensors.expAvgSq.fill(0);
      tensors.optimizer = this;
      this.state = parameters.map((_, i) => ({ step: 0, ...tensors.moments(i) }));
      return;
    }
    // The running mean and mean square in arrays of their own: twice the parameters' memory.
    checkBytes("AdamW", "the optimiser state", parameters.reduce((n, p) => n + 2 * p.data.byteLength, 0));
    this.state = parameters.map((p) => {
      const FloatArray = p.data instanceof Float32Array ? Float32Array : Float64Array;
      return { step: 0, expAvg: new FloatArray(p.data.length), expAvgSq: new FloatArray(p.data.length) };
    });
  }

  /** A copy of the moments and step counts, wherever they live: what a resumed run needs to continue exactly. */
  stateDict(): AdamWStateDict {
    return {
      parameters: this.parameters.map((p, i) => {
        const { step, expAvg, expAvgSq } = this.state[i];
        return { name: p.name, step, expAvg: expAvg.slice(), expAvgSq: expAvgSq.slice() };
      }),
    };
  }

  /** Continues from a stateDict() of the same parameters (names and sizes checked): the moments are copied in. */
  loadStateDict(stateDict: AdamWStateDict): void {
    const fn = "AdamW.loadStateDict";
    const saved = stateDict?.parameters;
    if (!Array.isArray(saved)) throw new TypeError(`${fn}: expected the object stateDict() gives, with a parameters array`);
    if (saved.length !== this.parameters.length) throw new RangeError(`${fn}: the state has ${saved.length} parameters, the optimiser ${this.parameters.length}`);
    this.parameters.forEach((p, i) => {
      const { name, step, expAvg, expAvgSq } = saved[i];
      if (name !== p.name) throw new RangeError(`${fn}: state ${i} is for ${name}, the optimiser's parameter ${i} is ${p.name}`);
      if (!Number.isInteger(step) || step < 0) throw new RangeError(`${fn}: ${name}'s step ${step} must be an integer >= 0`);
      for (const [key, values] of [["expAvg", expAvg], ["expAvgSq", expAvgSq]] as const) {
        if (values?.length !== p.data.length) throw new RangeError(`${fn}: ${name}'s ${key} has ${values?.length} values, the parameter ${p.data.length}`);
      }
      this.state[i].step = step;
      this.state[i].expAvg.set(expAvg);
      this.state[i].expAvgSq.set(expAvgSq);
    });
  }

  private moveOut(): void {
    for (const state of this.state) {
      state.expAvg = state.expAvg.slice();
      state.expAvgSq = state.expAvgSq.slice();
    }
  }

  // float32 in the model's memory, every parameter at the same step: one pass of the kernel over all of them.
  private stepInPlace(lr: number): boolean {
    const tensors = this.tensors;
    if (tensors === undefined || tensors.optimizer !== this || tensors.adamTable === null) return false;
    const step = this.state[0]?.step;
    if (step === undefined || this.state.some((s) => s.step !== step)) return false;
    const table = tensors.adamTable, entries = new Int32Array(table.buffer, table.byteOffset, table.length);
    this.parameters.forEach((p, i) => {
      entries[3 * i] = 4 * tensors.offsets[i];
      entries[3 * i + 1] = p.data.length;
      table[3 * i + 2] = this.decay(p, lr);
    });
    for (const state of this.state) state.step += 1;
    const [beta1, beta2] = this.betas;
    const { stepSize, correction2 } = this.corrections(step + 1, lr);
    wasmAdamWTensors(tensors.data as Float32Array, tensors.grad as Float32Array, tensors.expAvg as Float32Array, tensors.expAvgSq as Float32Array,
      table, this.parameters.length, beta1, beta2, stepSize, correction2, this.eps);
    return true;
  }

  private decay(p: Parameter, lr: number): number {
    return 1 - lr * (p.shape.length >= 2 ? this.weightDecay : 0);
  }

  // Adam's bias corrections at a step: the running means start at 0. powWhole, not **: Node 24's ** differs in the
  // last bit from step 4 on, and a seeded float64 run would then train differently on Node 20 and 24.
  private corrections(step: number, lr: number): { stepSize: number; correction2: number } {
    return { stepSize: lr / (1 - powWhole(this.betas[0], step)), correction2: Math.sqrt(1 - powWhole(this.betas[1], step)) };
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
    // The fast float32 kernels store without looking: only when the bound says every value stays finite.
    const fast = float32UpdateIsSafe(lr, this.weightDecay, beta1, beta2, t, gradNorm);
    if (fast && this.stepInPlace(lr)) return;
    this.parameters.forEach((p, index) => {
      const state = this.state[index];
      state.step += 1;
      const decay = this.decay(p, lr);
      const { stepSize, correction2 } = this.corrections(state.step, lr);
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
