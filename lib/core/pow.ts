// A number to a whole power by repeated squaring: multiplications only, each rounded as IEEE 754 prescribes, so every
// engine gives the same bits. `**` does not: Node 24's is the C library's pow, Node 20's and 22's V8's own, and they
// differ in the last bit for a few arguments in a hundred (0.9 ** 4 among them), which AdamW's bias corrections would
// carry into a seeded run's losses.
import { describe } from "./options.js";

/** x to the power n (a whole number >= 0), the same bits on every engine; within a few ulps of x ** n. */
export function powWhole(x: number, n: number): number {
  if (typeof x !== "number" || !Number.isSafeInteger(n) || n < 0) {
    const show = (value: unknown) => (typeof value === "number" ? String(value) : describe(value));
    throw new RangeError(`powWhole: expected a number and a whole power >= 0, got ${show(x)} and ${show(n)}`);
  }
  let result = 1;
  let square = x;
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result *= square;
    if (k > 1) square *= square;
  }
  return result;
}
