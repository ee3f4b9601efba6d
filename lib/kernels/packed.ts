// The fast pure-TypeScript matmul: the same sum as matmulReference, arranged for the CPU.
//
// Three ideas, as in every BLAS:
// 1. Pack: copy A into micro-panels of MR rows and B into panels of NR columns, laid out so the
//    inner loop reads both strictly in order (no strided loads, no transpose copy of B needed).
// 2. Register block: keep an MR x NR block of C in local variables while walking the shared
//    dimension, so each loaded number is used 4 times instead of once.
// 3. Cache block: walk the shared dimension KC at a time so the panels in use stay in L1/L2.
//
// Each C element is still summed over k in order 0, 1, 2, ... starting from 0, exactly as the
// reference does, so for float64 the result equals matmulReference to the last bit.
import type { MatrixData } from "../core/matrix.js";

export const MR = 4;
export const NR = 4;
export const KC = 256; // depth of one pass: a KC x NR panel of B fits L1
const MC = 128; // rows of A per pass: an MC x KC block fits L2

/**
 * Rows [0, rows) and depth [k0, k0 + depth) of A (row stride lda) into micro-panels of MR rows, zero padded.
 * A(i, p) is a[aOffset + i * lda + p * colStride]: colStride 1 for A as stored, or lda 1 and colStride m to
 * read a k x m array as its transpose.
 */
export function packA(a: MatrixData, aOffset: number, lda: number, rows: number, k0: number, depth: number, dst: Float64Array, colStride = 1): void {
  let o = 0;
  for (let i0 = 0; i0 < rows; i0 += MR) {
    const count = Math.min(MR, rows - i0);
    for (let p = 0; p < depth; p++) {
      const column = aOffset + (k0 + p) * colStride;
      for (let r = 0; r < MR; r++) dst[o++] = r < count ? a[column + (i0 + r) * lda] : 0;
    }
  }
}

/**
 * Depth [k0, k0 + depth) of B into panels of NR columns, zero padded. B(p, j) is b[p * rowStride + j * colStride],
 * so passing the strides of K read as K^T packs "K transposed" without ever building it.
 */
export function packB(b: MatrixData, rowStride: number, colStride: number, cols: number, k0: number, depth: number, dst: Float64Array): void {
  let o = 0;
  for (let j0 = 0; j0 < cols; j0 += NR) {
    const count = Math.min(NR, cols - j0);
    for (let p = 0; p < depth; p++) {
      const row = (k0 + p) * rowStride;
      for (let x = 0; x < NR; x++) dst[o++] = x < count ? b[row + (j0 + x) * colStride] : 0;
    }
  }
}

/**
 * The 4x4 block of C at ci (row stride ldc) += 4 rows of A times a B panel (from bi) over `depth` steps.
 * A(r, p) is a[ai + r * aRow + p * aStep]: a packed micro-panel (aRow 1, aStep MR), or rows read where they
 * are (aRow their stride, aStep 1), as attention reads its softmax weights.
 */
export function microKernel(a: Float64Array, ai: number, aRow: number, aStep: number, bp: Float64Array, bi: number, depth: number, c: Float64Array, ci: number, ldc: number): void {
  const a1i = ai + aRow, a2i = a1i + aRow, a3i = a2i + aRow;
  const c1 = ci + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let c00 = c[ci], c01 = c[ci + 1], c02 = c[ci + 2], c03 = c[ci + 3];
  let c10 = c[c1], c11 = c[c1 + 1], c12 = c[c1 + 2], c13 = c[c1 + 3];
  let c20 = c[c2], c21 = c[c2 + 1], c22 = c[c2 + 2], c23 = c[c2 + 3];
  let c30 = c[c3], c31 = c[c3 + 1], c32 = c[c3 + 2], c33 = c[c3 + 3];
  for (let p = 0; p < depth; p++) {
    const x = (aStep * p) | 0, y = (bi + NR * p) | 0; // "| 0": integer index arithmetic, no overflow checks
    const a0 = a[ai + x], a1 = a[a1i + x], a2 = a[a2i + x], a3 = a[a3i + x];
    const b0 = bp[y], b1 = bp[y + 1], b2 = bp[y + 2], b3 = bp[y + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  c[ci] = c00; c[ci + 1] = c01; c[ci + 2] = c02; c[ci + 3] = c03;
  c[c1] = c10; c[c1 + 1] = c11; c[c1 + 2] = c12; c[c1 + 3] = c13;
  c[c2] = c20; c[c2 + 1] = c21; c[c2 + 2] = c22; c[c2 + 3] = c23;
  c[c3] = c30; c[c3 + 1] = c31; c[c3 + 2] = c32; c[c3 + 3] = c33;
}

const edgeTile = new Float64Array(MR * NR);

/**
 * C block (rows x cols, at most MR x NR) += panels. A block cut by the matrix edge (the scalar tail)
 * goes through a zeroed MR x NR tile, so one kernel serves every shape.
 */
export function multiplyBlock(ap: Float64Array, ai: number, bp: Float64Array, bi: number, depth: number, c: Float64Array, ci: number, ldc: number, rows: number, cols: number): void {
  if (rows === MR && cols === NR) {
    microKernel(ap, ai, 1, MR, bp, bi, depth, c, ci, ldc);
    return;
  }
  edgeTile.fill(0);
  for (let r = 0; r < rows; r++) for (let x = 0; x < cols; x++) edgeTile[r * NR + x] = c[ci + r * ldc + x];
  microKernel(ap, ai, 1, MR, bp, bi, depth, edgeTile, 0, NR);
  for (let r = 0; r < rows; r++) for (let x = 0; x < cols; x++) c[ci + r * ldc + x] = edgeTile[r * NR + x];
}

export const roundUp = (n: number, multiple: number): number => Math.ceil(n / multiple) * multiple;

/**
 * C (m x n, float64, summed into) += A (m x k) times B (k x n); or times B^T when B is stored n x k (transposeB),
 * and A^T when A is stored k x m (transposeA). Shapes are the caller's to check (lib/core/matmul.ts does, at the public entry).
 */
export function gemmPacked(a: MatrixData, b: MatrixData, c: Float64Array, m: number, k: number, n: number, options: { transposeA?: boolean; transposeB?: boolean } = {}): void {
  const [rowStride, colStride] = options.transposeB ? [1, k] : [n, 1];
  const [aRowStride, aColStride] = options.transposeA ? [1, m] : [k, 1];
  const kcMax = Math.min(KC, k);
  const packedA = new Float64Array(roundUp(Math.min(MC, m), MR) * kcMax);
  const packedB = new Float64Array(roundUp(n, NR) * kcMax);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const depth = Math.min(KC, k - k0);
    packB(b, rowStride, colStride, n, k0, depth, packedB);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const rows = Math.min(MC, m - i0);
      packA(a, i0 * aRowStride, aRowStride, rows, k0, depth, packedA, aColStride);
      // B panel outside, A micro-panels inside: the NR x KC B panel stays in L1 while the MC x KC A block sits in L2.
      for (let j0 = 0; j0 < n; j0 += NR) {
        for (let r0 = 0; r0 < rows; r0 += MR) {
          multiplyBlock(packedA, r0 * depth, packedB, j0 * depth, depth, c, (i0 + r0) * n + j0, n, Math.min(MR, rows - r0), Math.min(NR, n - j0));
        }
      }
    }
  }
}
