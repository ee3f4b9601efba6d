// The linear algebra that checks the diagram: determinants, minors and singular values.
import { Matrix, assertFinite, shapeText } from "./matrix.js";
import { matmul } from "./matmul.js";
import { transpose } from "./ops.js";

function checkSquare(op: string, m: Matrix): void {
  if (m.rows !== m.cols) throw new RangeError(`${op}: needs a square matrix, got ${shapeText(m)}`);
}

/** det(M) by Gaussian elimination with partial pivoting. */
export function determinant(m: Matrix): number {
  checkSquare("determinant", m);
  const n = m.rows;
  const a = Array.from(m.data);
  let det = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (a[pivot * n + col] === 0) return 0;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c], a[col * n + c]];
      det = -det;
    }
    det *= a[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] / a[col * n + col];
      for (let c = col; c < n; c++) a[r * n + c] -= factor * a[col * n + c];
    }
  }
  return det;
}

function combinations(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...combinations(n - 1, k - 1).map((c) => [...c, n - 1]), ...combinations(n - 1, k)];
}

/** The submatrix of the given rows and columns. */
export function submatrix(m: Matrix, rows: readonly number[], cols: readonly number[]): Matrix {
  return Matrix.generate(rows.length, cols.length, (i, j) => m.get(rows[i], cols[j]));
}

/** Of all size x size minors, the one with the largest |determinant|: a nonzero one proves rank >= size. */
export function largestMinor(m: Matrix, size: number): { determinant: number; rows: number[]; cols: number[] } {
  if (!Number.isInteger(size) || size < 1 || size > Math.min(m.rows, m.cols)) {
    throw new RangeError(`largestMinor: no ${size}x${size} minor in ${shapeText(m)}`);
  }
  let best = { determinant: 0, rows: [] as number[], cols: [] as number[] };
  for (const rows of combinations(m.rows, size)) {
    for (const cols of combinations(m.cols, size)) {
      const d = determinant(submatrix(m, rows, cols));
      if (best.rows.length === 0 || Math.abs(d) > Math.abs(best.determinant)) best = { determinant: d, rows, cols };
    }
  }
  return best;
}

/** Cyclic Jacobi rotations on a symmetric n x n array a (overwritten): its diagonal ends as the eigenvalues, and v
 * (when given, starting as the identity) gathers the rotations, so that its columns are the eigenvectors. */
function jacobiRotations(a: number[] | Float64Array, n: number, v?: Float64Array): void {
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        if (v === undefined) continue;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
}

/** Eigenvalues of a symmetric matrix, largest first, by cyclic Jacobi rotations. */
export function symmetricEigenvalues(m: Matrix): number[] {
  checkSquare("symmetricEigenvalues", m);
  assertFinite("symmetricEigenvalues", "M", m);
  const n = m.rows;
  const a = Array.from(m.data);
  jacobiRotations(a, n);
  return Array.from({ length: n }, (_, i) => a[i * n + i]).sort((x, y) => y - x);
}

/** Eigenvalues and unit eigenvectors (column i of vectors goes with values[i]) of a symmetric matrix, unsorted. */
export function symmetricEigen(m: Matrix): { values: number[]; vectors: Matrix } {
  checkSquare("symmetricEigen", m);
  assertFinite("symmetricEigen", "M", m);
  const n = m.rows;
  const a = Float64Array.from(m.data);
  const vectors = Matrix.identity(n);
  jacobiRotations(a, n, vectors.data as Float64Array);
  return { values: Array.from({ length: n }, (_, i) => a[i * n + i]), vectors };
}

/** Singular values, largest first: the square roots of the eigenvalues of M^T M. */
export function singularValues(m: Matrix): number[] {
  return symmetricEigenvalues(matmul(transpose(m), m)).map((e) => Math.sqrt(Math.max(e, 0)));
}
