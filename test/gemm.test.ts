// gemm on flat arrays, every transpose and accumulate combination, against the plain triple loop.
import { describe, expect, it } from "vitest";
import { gemm } from "../lib/kernels/gemm.js";
import { Generator } from "../lib/core/random.js";

function reference(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

function filled<T extends Float32Array | Float64Array>(array: T, generator: Generator): T {
  for (let i = 0; i < array.length; i++) array[i] = generator.nextDouble() * 2 - 1;
  return array;
}

describe("gemm", () => {
  // odd sizes cross the 4x4 / 4x8 blocks' edges; k 300 crosses the KC = 256 depth blocks
  for (const [m, k, n] of [[5, 7, 9], [13, 300, 6], [1, 3, 1]]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        it(`float64 ${m}x${k}x${n} transposeA ${tA} transposeB ${tB}: exactly the reference's sums, and accumulates`, () => {
          const g = new Generator(1);
          const a = filled(new Float64Array(m * k), g), b = filled(new Float64Array(k * n), g);
          const c = filled(new Float64Array(m * n), g);
          const before = c.slice();
          gemm(c, a, b, m, k, n, { transposeA: tA, transposeB: tB });
          const expected = reference(a, b, m, k, n, tA, tB);
          expect(Array.from(c)).toEqual(Array.from(expected));
          gemm(c, a, b, m, k, n, { transposeA: tA, transposeB: tB, accumulate: true });
          for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(2 * expected[i], 12);
          expect(before.length).toBe(c.length);
        });
        it(`float32 ${m}x${k}x${n} transposeA ${tA} transposeB ${tB}: within k * 2^-24 relative of the float64 sums`, () => {
          const g = new Generator(2);
          const a = filled(new Float32Array(m * k), g), b = filled(new Float32Array(k * n), g);
          const c = new Float32Array(m * n).fill(1);
          gemm(c, a, b, m, k, n, { transposeA: tA, transposeB: tB, accumulate: true });
          const expected = reference(a, b, m, k, n, tA, tB);
          for (let i = 0; i < c.length; i++) expect(Math.abs(c[i] - (expected[i] + 1))).toBeLessThan(k * 2 ** -22);
        });
      }
    }
  }
  it("names the sizes when an array is too short", () => {
    expect(() => gemm(new Float64Array(4), new Float64Array(3), new Float64Array(4), 2, 2, 2)).toThrow("needs A 4, B 4, C 4 values; got 3, 4, 4");
  });
});
