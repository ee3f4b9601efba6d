// A weight update never stores a non-finite number. The gradients' global norm (which clipping computes anyway) tells
// whether every gradient is finite; a bound on Adam's step tells whether the fast float32 path can overflow. When it
// might, the update runs in a loop that checks each value before storing it, and fails naming the parameter and step.
import { describe } from "../../core/options.js";
import { powWhole } from "../../core/pow.js";
import type { Float, Parameter } from "../parameters.js";

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The global L2 norm of the gradients. A non-finite gradient, or a norm that overflows, is an error naming `fn`, the
 * parameter (nanoGPT's name), the index and, when given, the step.
 */
export function gradientNorm(fn: string, parameters: readonly Parameter[], step?: number): number {
  let squares = 0;
  for (const p of parameters) {
    const g = p.grad;
    let sum = 0;
    for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
    squares += sum;
  }
  const norm = Math.sqrt(squares);
  if (Number.isFinite(norm)) return norm;
  const at = step === undefined ? "" : ` at step ${step}`;
  for (const p of parameters) {
    const i = firstNonFinite(p.grad);
    if (i >= 0) throw new RangeError(`${fn}: the gradient of ${p.name} holds ${p.grad[i]} at index ${i}${at}; nothing was updated (a learning rate too high, or a NaN in the input?)`);
  }
  const largest = parameters.reduce((best, p) => (maxAbs(p.grad) > maxAbs(best.grad) ? p : best));
  throw new RangeError(`${fn}: the gradients' global norm overflows float64${at} (${largest.name} holds ${maxAbs(largest.grad)}); nothing was updated`);
}

export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (data[i] - data[i] !== 0) return i;
  return -1;
}

function maxAbs(data: Float): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]));
  return m;
}

/**
 * Whether the float32 update at step t surely stays finite, for finite weights and gradients of global norm gradNorm.
 * By Cauchy-Schwarz, Adam's running means (from 0) give |m| / sqrt(v) <= (1 - beta1) / sqrt(1 - beta2) * sqrt(sum of
 * (beta1^2 / beta2)^k, k < t), so every weight moves by at most lr sqrt(1 - beta2^t) / (1 - beta1^t) times that; with
 * lr weightDecay <= 2 the decay does not grow a weight. gradNorm below sqrt(float32 max) keeps g^2, and so v, finite.
 */
export function float32UpdateIsSafe(lr: number, weightDecay: number, beta1: number, beta2: number, t: number, gradNorm: number): boolean {
  if (!(gradNorm <= Math.sqrt(FLOAT32_MAX) / 2) || !(lr * weightDecay <= 2)) return false;
  const gamma = (beta1 * beta1) / beta2;
  const sum = gamma === 1 ? t : (1 - powWhole(gamma, t)) / (1 - gamma);
  const ratio = ((1 - beta1) / Math.sqrt(1 - beta2)) * Math.sqrt(sum);
  const move = ((lr * Math.sqrt(1 - powWhole(beta2, t))) / (1 - powWhole(beta1, t))) * ratio;
  // A move below 1e30 is under half a float32 ulp at its largest value: a finite weight cannot round to Infinity.
  return move <= 1e30;
}

/** The readable AdamW loop, each new value checked before it is stored. */
export function checkedAdamW(
  fn: string, p: Parameter, m: Float, v: Float, decay: number, beta1: number, beta2: number, stepSize: number, correction2: number, eps: number,
  step: number, lr: number,
): void {
  const { data, grad } = p;
  const round = data instanceof Float32Array ? Math.fround : (x: number): number => x;
  for (let i = 0; i < data.length; i++) {
    const g = grad[i];
    const decayed = round(data[i] * decay);
    const mi = round(m[i] * beta1 + g * (1 - beta1));
    const vi = round(v[i] * beta2 + (1 - beta2) * g * g);
    const w = round(decayed - (stepSize * mi) / (Math.sqrt(vi) / correction2 + eps));
    // x - x is 0 for every finite x: one test for the three values.
    if (w - w + (mi - mi) + (vi - vi) !== 0) {
      const dtype = data instanceof Float32Array ? "float32" : "float64";
      const value = w - w !== 0 ? `weight ${w}` : mi - mi !== 0 ? `running mean ${mi}` : `running mean square ${vi}`;
      const remedy = w - w !== 0 ? "lower the learning rate" : "the gradient is too large: clip it (clipGradNorm, train's gradClip)";
      throw new RangeError(
        `${fn}: step ${step} would store ${value} in ${p.name} at index ${i} (weight ${data[i]}, gradient ${g}, learning rate ${lr}): ` +
          `the update overflows ${dtype}, so it stops here; ${remedy}`,
      );
    }
    data[i] = w;
    m[i] = mi;
    v[i] = vi;
  }
}

/** Parameters as the model gives them: names, and data and grad of one float type and one length. */
export function checkParameters(fn: string, parameters: unknown): asserts parameters is Parameter[] {
  if (!Array.isArray(parameters)) throw new TypeError(`${fn}: parameters must be an array of parameters (model.parameters), got ${describe(parameters)}`);
  parameters.forEach((p: Partial<Parameter> | null, i) => {
    const ok = p !== null && typeof p === "object" && typeof p.name === "string" && Array.isArray(p.shape) &&
      (p.data instanceof Float32Array || p.data instanceof Float64Array) && p.grad?.constructor === p.data.constructor && p.grad.length === p.data.length;
    if (!ok) throw new TypeError(`${fn}: parameters[${i}] is ${describe(p)}, not a parameter { name, shape, data, grad } of the model (model.parameters)`);
  });
}
