// The largest |a[i] - b[i]| of two arrays of the same length (the length is asserted), for comparisons with PyTorch.
import { expect } from "vitest";

export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
