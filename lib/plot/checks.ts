// Input checks shared by the plots: every message names the plot and both counts.
import { Matrix, shapeText } from "../matrix.js";

/** Throws "<op>: 5 labels for 6 rows of a 6x6 matrix" unless given === need. */
export function checkCount(op: string, what: string, given: number, need: number, of: string): void {
  if (given !== need) throw new RangeError(`${op}: ${given} ${what} for ${need} ${of}`);
}

export function checkDecimals(op: string, decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) {
    throw new RangeError(`${op}: decimals must be an integer from 0 to 10, got ${decimals}`);
  }
}

/** A Matrix without NaN; infinities are allowed, since masked attention scores are -Infinity. */
export function checkPlottable(op: string, name: string, m: Matrix): void {
  if (!(m instanceof Matrix)) throw new TypeError(`${op}: ${name} must be a Matrix, got ${typeof m}`);
  const k = m.data.findIndex(Number.isNaN);
  if (k >= 0) {
    throw new RangeError(`${op}: ${name} (${shapeText(m)}) has NaN at [${Math.floor(k / m.cols)}][${k % m.cols}]`);
  }
}

/** Numbers, or a matrix of one row or one column, as a plain array of finite numbers. */
export function toVector(op: string, name: string, values: readonly number[] | Matrix): number[] {
  if (values instanceof Matrix && values.rows !== 1 && values.cols !== 1) {
    throw new RangeError(`${op}: ${name} must be one row (1xn) or one column (nx1), got ${shapeText(values)}`);
  }
  const vector = values instanceof Matrix ? Array.from(values.data) : [...values];
  if (vector.length === 0) throw new RangeError(`${op}: ${name} is empty`);
  const bad = vector.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${op}: ${name}[${bad}] is ${String(vector[bad])}; every value must be a finite number`);
  return vector;
}
