// The linear algebra that checks the diagram: determinants, minors and singular values.
import { checkMatrix, checkNumber, emptyMatrix, shapeText, type Matrix } from "./matrix.js";
import { multiply } from "./matmul.js";
import { transposeOf } from "./ops.js";
import { describe } from "./options.js";

function checkSquare(op: string, m: Matrix): void {
  checkMatrix(op, "M", m);
  if (m.rows !== m.cols) throw new RangeError(`${op}: needs a square matrix, got ${shapeText(m)}`);
}

/** det of the n x n values in a (row-major, overwritten) by Gaussian elimination with partial pivoting. */
function eliminate(a: Float64Array | number[], n: number): number {
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

/** det(M) by Gaussian elimination with partial pivoting. */
export function determinant(m: Matrix): number {
  checkSquare("determinant", m);
  return checkNumber("determinant", "the determinant", eliminate(Float64Array.from(m.data), m.rows));
}

/** How many k-subsets an n-set has, as a float (exact while it matters, large ones only compared against a limit). */
function choose(n: number, k: number): number {
  let count = 1;
  for (let i = 0; i < k; i++) count = (count * (n - i)) / (i + 1);
  return Math.round(count);
}

/** Every k-subset of 0..n-1, in lexicographic order, without recursion. */
function combinations(n: number, k: number): number[][] {
  const all: number[][] = [];
  const c = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    all.push(c.slice());
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return all;
    c[i]++;
    for (let j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
  }
}

// More minors than this take minutes to search: an error says so at once.
const MAX_MINORS = 1e6;

function checkIndices(op: string, what: string, indices: readonly number[], length: number): void {
  if (!Array.isArray(indices) || indices.length === 0) throw new TypeError(`${op}: ${what} must be a non-empty array of indices, got ${describe(indices)}`);
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= length) throw new RangeError(`${op}: ${what} index ${String(i)} is outside 0..${length - 1}`);
  }
}

function submatrixOf(op: string, m: Matrix, rows: readonly number[], cols: readonly number[]): Matrix {
  const out = emptyMatrix(op, rows.length, cols.length, m.dtype);
  rows.forEach((r, i) => cols.forEach((c, j) => (out.data[i * cols.length + j] = m.data[r * m.cols + c])));
  return out;
}

/** The submatrix of the given rows and columns. */
export function submatrix(m: Matrix, rows: readonly number[], cols: readonly number[]): Matrix {
  checkMatrix("submatrix", "M", m, { masked: true });
  checkIndices("submatrix", "row", rows, m.rows);
  checkIndices("submatrix", "column", cols, m.cols);
  return submatrixOf("submatrix", m, rows, cols);
}

/** Of all size x size minors, the one with the largest |determinant|: a nonzero one proves rank >= size. */
export function largestMinor(m: Matrix, size: number): { determinant: number; rows: number[]; cols: number[] } {
  const op = "largestMinor";
  checkMatrix(op, "M", m);
  if (!Number.isInteger(size) || size < 1 || size > Math.min(m.rows, m.cols)) {
    throw new RangeError(`${op}: no ${String(size)}x${String(size)} minor in ${shapeText(m)}`);
  }
  const count = choose(m.rows, size) * choose(m.cols, size);
  if (count > MAX_MINORS) {
    throw new RangeError(`${op}: a ${shapeText(m)} matrix has ${count.toPrecision(3)} minors of size ${size}, more than the ${MAX_MINORS} it searches`);
  }
  let best = { determinant: 0, rows: [] as number[], cols: [] as number[] };
  const colSets = combinations(m.cols, size);
  const values = new Float64Array(size * size);
  for (const rows of combinations(m.rows, size)) {
    for (const cols of colSets) {
      rows.forEach((r, i) => cols.forEach((c, j) => (values[i * size + j] = m.data[r * m.cols + c])));
      const d = checkNumber(op, "a minor", eliminate(values, size));
      if (best.rows.length === 0 || Math.abs(d) > Math.abs(best.determinant)) best = { determinant: d, rows, cols };
    }
  }
  return best;
}

/** The largest |value| of m (at least 1e-300, so that dividing by it is safe). */
function largestAbs(m: Matrix): number {
  let largest = 1e-300;
  for (let k = 0; k < m.data.length; k++) largest = Math.max(largest, Math.abs(m.data[k]));
  return largest;
}

/** A power of 2 near m's largest |value|: dividing by it is exact, and brings every value to at most 1. */
const unitScale = (m: Matrix): number => 2 ** Math.ceil(Math.log2(largestAbs(m)));

/**
 * Cyclic Jacobi rotations on the symmetric values a (n x n, overwritten): its diagonal ends as the eigenvalues, and v
 * (when given, starting as the identity) gathers the rotations, so that its columns are the eigenvectors.
 */
function jacobiRotations(a: Float64Array, n: number, v?: Float64Array): void {
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

/** Eigenvalues of the symmetric values a (n x n, overwritten), largest first, by cyclic Jacobi rotations. */
function jacobi(a: Float64Array, n: number): number[] {
  jacobiRotations(a, n);
  return Array.from({ length: n }, (_, i) => a[i * n + i]).sort((x, y) => y - x);
}

/**
 * Eigenvalues of a symmetric matrix, largest first, by cyclic Jacobi rotations.
 * The matrix is scaled to values of at most 1 first (by a power of 2, exactly), so squares of large entries cannot overflow.
 */
export function symmetricEigenvalues(m: Matrix): number[] {
  const op = "symmetricEigenvalues";
  checkSquare(op, m);
  const n = m.rows;
  const largest = largestAbs(m);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const [x, y] = [m.data[i * n + j], m.data[j * n + i]];
      if (Math.abs(x - y) > 1e-9 * largest) throw new RangeError(`${op}: M is not symmetric: [${i}][${j}] is ${x} but [${j}][${i}] is ${y}`);
    }
  }
  const unit = unitScale(m);
  const a = Float64Array.from(m.data, (x) => x / unit);
  return jacobi(a, n).map((e) => checkNumber(op, "an eigenvalue", e * unit));
}

/** Singular values, largest first: the square roots of the eigenvalues of M^T M (M scaled to at most 1 first, then back). */
export function singularValues(m: Matrix): number[] {
  const op = "singularValues";
  checkMatrix(op, "M", m);
  const unit = unitScale(m);
  const scaled = emptyMatrix(op, m.rows, m.cols);
  for (let k = 0; k < m.data.length; k++) scaled.data[k] = m.data[k] / unit;
  const gram = multiply(op, transposeOf(op, scaled), scaled);
  return jacobi(Float64Array.from(gram.data), gram.rows).map((e) => checkNumber(op, "a singular value", Math.sqrt(Math.max(e, 0)) * unit));
}

/**
 * Eigenvalues and unit eigenvectors (column i of vectors goes with values[i], unsorted) of a symmetric matrix, by the
 * same Jacobi rotations, on the matrix scaled to values of at most 1 (by a power of 2, exactly).
 */
export function symmetricEigen(m: Matrix): { values: number[]; vectors: Matrix } {
  const op = "symmetricEigen";
  checkSquare(op, m);
  const n = m.rows;
  const unit = unitScale(m);
  const a = Float64Array.from(m.data, (x) => x / unit);
  const vectors = emptyMatrix(op, n, n);
  for (let i = 0; i < n; i++) vectors.data[i * n + i] = 1;
  jacobiRotations(a, n, vectors.data as Float64Array);
  return { values: Array.from({ length: n }, (_, i) => checkNumber(op, "an eigenvalue", a[i * n + i] * unit)), vectors };
}
