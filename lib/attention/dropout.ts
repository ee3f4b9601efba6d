// Dropout as torch.nn.Dropout does it on CPU: zero a random share p of the values, scale the rest by 1 / (1 - p).
import { checkMatrix, emptyMatrix, type DType, type Matrix } from "../core/matrix.js";
import { zip } from "../core/ops.js";
import { requireOptions, type OptionWording } from "../core/options.js";
import { GENERATOR_OPTION, SEED_HINT, Generator, defaultGenerator } from "../core/random.js";

export interface DropoutOptions {
  /** The share of values dropped, p, in [0, 1]: 0 keeps everything, 1 drops everything (as PyTorch). */
  rate: number;
  /** Training mode drops (the default, as a fresh nn.Module); evaluation mode (false) is the identity. */
  training?: boolean;
  generator?: Generator;
}

const RATE = { kind: "number", min: 0, max: 1 } as const;
const DROPOUT_OPTIONS = { rate: RATE, training: "boolean", ...GENERATOR_OPTION } as const;
const MASK_OPTIONS = { rate: RATE, dtype: ["float64", "float32"], ...GENERATOR_OPTION } as const;

/** Checks dropout options for op (nested ones, as attendTo's dropout, say "dropout option"); rate is required. */
export function checkDropoutOptions<T extends { rate: number }>(op: string, options: T, spec: typeof DROPOUT_OPTIONS | typeof MASK_OPTIONS = DROPOUT_OPTIONS, what = "option"): T {
  const wording: OptionWording = { ...SEED_HINT, what };
  const checked = requireOptions(op, options, spec, "{ rate: 0.1 }", wording);
  if (checked.rate === undefined) throw new TypeError(`${op}: ${what} rate is required, e.g. { rate: 0.1 }`);
  return checked;
}

/**
 * The noise PyTorch multiplies by: per element, row by row, one double u from two 32-bit draws
 * (Generator.nextDouble); the element is kept if u < 1 - p, and a kept element is 1 / (1 - p), a dropped one 0.
 * This is bernoulli_(1 - p) on CPU followed by a division by 1 - p, done in the input's dtype:
 * for float32, 1 / (1 - p) is a float32 division, as PyTorch does it on a float32 noise tensor.
 * At p = 1 everything is dropped and nothing is drawn, as PyTorch multiplies by zero there.
 */
function noise(op: string, rows: number, cols: number, rate: number, generator: Generator, dtype: DType): Matrix {
  const mask = emptyMatrix(op, rows, cols, dtype);
  if (rate === 1) return mask;
  const keep = 1 - rate;
  const kept = 1 / (dtype === "float32" ? Math.fround(keep) : keep); // stored in the mask's dtype
  for (let k = 0; k < mask.data.length; k++) mask.data[k] = generator.nextDouble() < keep ? kept : 0;
  return mask;
}

export function dropoutMask(rows: number, cols: number, options: { rate: number; generator?: Generator; dtype?: DType }): Matrix {
  const { rate, generator = defaultGenerator, dtype = "float64" } = checkDropoutOptions("dropoutMask", options, MASK_OPTIONS);
  return noise("dropoutMask", rows, cols, rate, generator, dtype);
}

/**
 * Dropout of m for op, options already checked. In evaluation mode the output is m itself and there is no mask;
 * at rate 0 the output is m itself and the mask all ones, drawing no random numbers, as PyTorch.
 */
export function dropoutOf(op: string, m: Matrix, options: DropoutOptions): { output: Matrix; mask: Matrix | null } {
  const { rate, training = true, generator = defaultGenerator } = options;
  if (!training) return { output: m, mask: null };
  if (rate === 0) {
    const ones = emptyMatrix(op, m.rows, m.cols, m.dtype);
    ones.data.fill(1);
    return { output: m, mask: ones };
  }
  const mask = noise(op, m.rows, m.cols, rate, generator, m.dtype);
  return { output: zip(op, m, mask, (x, keep) => x * keep), mask };
}

/** m times a fresh dropout mask, with the mask for the notebooks (null in evaluation mode, all ones at rate 0). */
export function dropoutWithMask(m: Matrix, options: DropoutOptions): { output: Matrix; mask: Matrix | null } {
  checkMatrix("dropoutWithMask", "m", m);
  return dropoutOf("dropoutWithMask", m, checkDropoutOptions("dropoutWithMask", options));
}

/** Dropout of m: the values scaled or zeroed in training mode, m unchanged in evaluation mode. */
export function dropout(m: Matrix, options: DropoutOptions): Matrix {
  checkMatrix("dropout", "m", m);
  return dropoutOf("dropout", m, checkDropoutOptions("dropout", options)).output;
}
