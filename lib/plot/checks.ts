// Input checks shared by the plots: every message names the plot, and no SVG is ever drawn from NaN.
import { Matrix, shapeText } from "../core/matrix.js";
import { checkOptions, type OptionSpec } from "../core/options.js";

/** Throws "<op>: 5 labels for 6 rows of a 6x6 matrix" unless given === need. */
export function checkCount(op: string, what: string, given: number, need: number, of: string): void {
  if (given !== need) throw new RangeError(`${op}: ${given} ${what} for ${need} ${of}`);
}

export function checkDecimals(op: string, decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) {
    throw new RangeError(`${op}: decimals must be an integer from 0 to 10, got ${decimals}`);
  }
}

/** The options every plot shares, with the sizes a notebook can display. */
export const commonSpecs = {
  labels: "strings",
  title: "string",
  decimals: "number", // checked by checkDecimals, whose message says what is allowed
  domain: "numbers",
} as const satisfies OptionSpec;

/** A size in px: a finite number in [min, max]. */
export const size = (min: number, max: number) => ({ kind: "finite", min, max }) as const;

/**
 * checkOptions for a plot, plus what every plot checks the same way: decimals, and a domain of two numbers, low first.
 * A `legend` in the spec may be a boolean or a string, which checkOptions cannot say, so that one is checked here.
 */
export function checkPlotOptions<T extends object>(op: string, options: T | null | undefined, spec: OptionSpec): T {
  const given = options as Record<string, unknown> | null | undefined;
  const plain = typeof given === "object" && given !== null && !Array.isArray(given);
  let forSpec = given;
  if (plain && "legend" in spec && given.legend !== undefined) {
    if (typeof given.legend !== "boolean" && typeof given.legend !== "string") {
      throw new TypeError(`${op}: option legend must be a boolean or a string, got ${typeof given.legend}`);
    }
    forSpec = { ...given, legend: true };
  }
  checkOptions(op, forSpec, spec);
  if (plain && given.decimals !== undefined) checkDecimals(op, given.decimals as number);
  if (plain && given.domain !== undefined) checkDomain(op, given.domain as number[]);
  return (given ?? {}) as T;
}

export function checkDomain(op: string, domain: readonly number[]): void {
  if (domain.length !== 2 || !(domain[0] < domain[1])) {
    throw new RangeError(`${op}: domain must be [low, high] with low < high, got [${domain.join(", ")}]`);
  }
}

/**
 * A Matrix without NaN or +Infinity. -Infinity is allowed: it is a masked attention score, drawn as a gray cell.
 */
export function checkPlottable(op: string, name: string, m: Matrix): void {
  if (!(m instanceof Matrix)) {
    const got = Array.isArray(m) ? "an array: use Matrix.from(...)" : typeof m;
    throw new TypeError(`${op}: ${name} must be a Matrix, got ${got}`);
  }
  const k = m.data.findIndex((v) => Number.isNaN(v) || v === Infinity);
  if (k >= 0) {
    throw new RangeError(`${op}: ${name} (${shapeText(m)}) has ${m.data[k]} at [${Math.floor(k / m.cols)}][${k % m.cols}]; only finite values and -Infinity (masked) can be drawn`);
  }
}

/** Numbers, or a matrix of one row or one column, as a plain array of finite numbers. */
export function toVector(op: string, name: string, values: readonly number[] | Matrix): number[] {
  if (values instanceof Matrix && values.rows !== 1 && values.cols !== 1) {
    throw new RangeError(`${op}: ${name} must be one row (1xn) or one column (nx1), got ${shapeText(values)}`);
  }
  if (!(values instanceof Matrix) && !Array.isArray(values)) {
    throw new TypeError(`${op}: ${name} must be an array of numbers or a one-row Matrix, got ${typeof values}`);
  }
  const vector = values instanceof Matrix ? Array.from(values.data) : [...values];
  if (vector.length === 0) throw new RangeError(`${op}: ${name} is empty`);
  const bad = vector.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${op}: ${name}[${bad}] is ${String(vector[bad])}; every value must be a finite number`);
  return vector;
}
