// Dropout as torch.nn.Dropout does it on CPU: zero a random share p of the values, scale the rest by 1 / (1 - p).
import { Matrix, assertFinite, type DType } from "./matrix.js";
import { zip } from "./ops.js";
import { Generator, defaultGenerator } from "./random.js";

export interface DropoutOptions {
  /** The share of values dropped, p, in [0, 1). */
  rate: number;
  /** Training mode drops (the default, as a fresh nn.Module); evaluation mode (false) is the identity. */
  training?: boolean;
  generator?: Generator;
}

export function checkDropoutRate(op: string, rate: number): void {
  if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
    throw new RangeError(`${op}: rate ${rate} is outside [0, 1)`);
  }
}

/**
 * The noise PyTorch multiplies by: per element, row by row, one double u from two 32-bit draws
 * (Generator.nextDouble); the element is kept if u < 1 - p, and a kept element is 1 / (1 - p), a dropped one 0.
 * This is bernoulli_(1 - p) on CPU followed by a division by 1 - p, done in the input's dtype:
 * for float32, 1 / (1 - p) is a float32 division, as PyTorch does it on a float32 noise tensor.
 */
export function dropoutMask(rows: number, cols: number, options: { rate: number; generator?: Generator; dtype?: DType }): Matrix {
  const { rate, generator = defaultGenerator, dtype = "float64" } = options;
  checkDropoutRate("dropoutMask", rate);
  const keep = 1 - rate;
  const mask = Matrix.zeros(rows, cols, { dtype });
  const kept = 1 / (dtype === "float32" ? Math.fround(keep) : keep); // stored in the mask's dtype
  for (let k = 0; k < mask.data.length; k++) mask.data[k] = generator.nextDouble() < keep ? kept : 0;
  return mask;
}

/**
 * m times a fresh dropout mask, with the mask for the notebooks.
 * Like PyTorch, rate 0 or evaluation mode returns m itself and draws no random numbers.
 */
export function dropoutWithMask(m: Matrix, options: DropoutOptions): { output: Matrix; mask: Matrix | null } {
  const { rate, training = true, generator = defaultGenerator } = options;
  checkDropoutRate("dropout", rate);
  assertFinite("dropout", "input", m);
  if (!training || rate === 0) return { output: m, mask: null };
  const mask = dropoutMask(m.rows, m.cols, { rate, generator, dtype: m.dtype });
  return { output: zip("dropout", m, mask, (x, keep) => x * keep), mask };
}

/** Dropout of m: the values scaled or zeroed in training mode, m unchanged in evaluation mode. */
export function dropout(m: Matrix, options: DropoutOptions): Matrix {
  return dropoutWithMask(m, options).output;
}
