// How the plots write numbers and name positions.
import { fixed } from "../core/format.js";

/**
 * value.toFixed(decimals) with a true minus sign and thousands separators like Plot's axes (524,288 beside an axis
 * marked 500,000), no "-0.00" for tiny negatives, ∞ for masked scores.
 */
export function formatValue(value: number, decimals: number): string {
  if (value === Infinity) return "∞";
  if (value === -Infinity) return "−∞";
  const [whole, fraction] = fixed(value, decimals).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ",");
  return (fraction === undefined ? grouped : `${grouped}.${fraction}`).replace("-", "−");
}

/** "0", "1", ...: the labels of positions nobody named. */
export function indexLabels(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i));
}

/** The largest of start and the values: a loop, since Math.max(...values) overflows the stack on long arrays. */
export function largest(values: Iterable<number>, start = -Infinity): number {
  let best = start;
  for (const v of values) if (v > best) best = v;
  return best;
}

/** The smallest of start and the values (see largest). */
export function smallest(values: Iterable<number>, start = Infinity): number {
  let best = start;
  for (const v of values) if (v < best) best = v;
  return best;
}

/**
 * [min, max] of the finite values. When all are equal: [0, 1] for zeros (all-zero weights, e.g. dropout at rate 1, draw
 * as the scale's low end, white), else [v - 1, v + 1] (so colors still spread).
 */
export function finiteExtent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (lo > hi) return [0, 1];
  if (lo === hi) return lo === 0 ? [0, 1] : [lo - 1, hi + 1];
  return [lo, hi];
}

/** [-r, r] with r the largest |finite value|: a scale centred on 0. */
export function symmetricExtent(values: Iterable<number>): [number, number] {
  const [lo, hi] = finiteExtent(values);
  const reach = Math.max(Math.abs(lo), Math.abs(hi));
  return [-reach, reach];
}
