// How the plots write numbers and name positions.
import { fixed } from "../format.js";

/** value.toFixed(decimals) with a true minus sign like Plot's axes, no "-0.00" for tiny negatives, ∞ for masked scores. */
export function formatValue(value: number, decimals: number): string {
  if (value === Infinity) return "∞";
  if (value === -Infinity) return "−∞";
  return fixed(value, decimals).replace("-", "−");
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

/** [min, max] of the finite values, widened to [v - 1, v + 1] when all are equal (so colors still spread). */
export function finiteExtent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (lo > hi) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/** [-r, r] with r the largest |finite value|: a scale centred on 0. */
export function symmetricExtent(values: Iterable<number>): [number, number] {
  const [lo, hi] = finiteExtent(values);
  const reach = Math.max(Math.abs(lo), Math.abs(hi));
  return [-reach, reach];
}
