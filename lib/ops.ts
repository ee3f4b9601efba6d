// Elementwise and shape operations: small, and each checks its shapes.
import { Matrix, resultDtype, shapeText } from "./matrix.js";

export function transpose(m: Matrix): Matrix {
  const t = Matrix.zeros(m.cols, m.rows, { dtype: m.dtype });
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j];
  }
  return t;
}

/** A new matrix with f applied to every element. */
export function map(m: Matrix, f: (value: number, i: number, j: number) => number): Matrix {
  const out = Matrix.zeros(m.rows, m.cols, { dtype: m.dtype });
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] = f(m.data[i * m.cols + j], i, j);
  }
  return out;
}

export function checkSameShape(op: string, a: Matrix, b: Matrix): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new RangeError(`${op}: shapes ${shapeText(a)} and ${shapeText(b)} differ`);
  }
}

/** f applied to matching elements of two matrices of the same shape (float32 only if both are). */
export function zip(op: string, a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix {
  checkSameShape(op, a, b);
  const out = Matrix.zeros(a.rows, a.cols, { dtype: resultDtype(a, b) });
  for (let k = 0; k < out.data.length; k++) out.data[k] = f(a.data[k], b.data[k]);
  return out;
}

export function add(a: Matrix, b: Matrix): Matrix {
  return zip("add", a, b, (x, y) => x + y);
}

export function subtract(a: Matrix, b: Matrix): Matrix {
  return zip("subtract", a, b, (x, y) => x - y);
}

export function scale(m: Matrix, factor: number): Matrix {
  if (!Number.isFinite(factor)) throw new RangeError(`scale: factor is ${factor}; it must be finite`);
  return map(m, (x) => x * factor);
}

/** The sum of each row, as a column vector (rows x 1). */
export function rowSums(m: Matrix): Matrix {
  const out = Matrix.zeros(m.rows, 1, { dtype: m.dtype });
  for (let i = 0; i < m.rows; i++) {
    let sum = 0;
    for (let j = 0; j < m.cols; j++) sum += m.data[i * m.cols + j];
    out.data[i] = sum;
  }
  return out;
}

/** The columns [start, end) of m: how a fused Q|K|V projection splits into Q, K and V. */
export function sliceColumns(m: Matrix, start: number, end: number): Matrix {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > m.cols || start >= end) {
    throw new RangeError(`sliceColumns: columns [${start}, ${end}) do not fit in ${shapeText(m)}`);
  }
  return Matrix.generate(m.rows, end - start, (i, j) => m.data[i * m.cols + start + j], { dtype: m.dtype });
}

/** Matrices of the same row count side by side: [A | B | ...] (float32 only if all are). */
export function concatColumns(parts: readonly Matrix[]): Matrix {
  if (parts.length === 0) throw new RangeError("concatColumns: no matrices to join");
  const rows = parts[0].rows;
  for (const p of parts) {
    if (p.rows !== rows) {
      throw new RangeError(`concatColumns: ${shapeText(parts[0])} and ${shapeText(p)} have different row counts`);
    }
  }
  const cols = parts.reduce((n, p) => n + p.cols, 0);
  const out = Matrix.zeros(rows, cols, { dtype: resultDtype(...parts) });
  let offset = 0;
  for (const p of parts) {
    for (let i = 0; i < rows; i++) out.data.set(p.data.subarray(i * p.cols, (i + 1) * p.cols), i * cols + offset);
    offset += p.cols;
  }
  return out;
}

/** The largest absolute elementwise difference, and where: how "these two agree" is measured. */
export function maxAbsDifference(a: Matrix, b: Matrix): { value: number; row: number; col: number } {
  checkSameShape("maxAbsDifference", a, b);
  let best = { value: -1, row: 0, col: 0 };
  for (let k = 0; k < a.data.length; k++) {
    const d = a.data[k] === b.data[k] ? 0 : Math.abs(a.data[k] - b.data[k]);
    if (Number.isNaN(d)) {
      throw new RangeError(`maxAbsDifference: NaN at [${Math.floor(k / a.cols)}][${k % a.cols}] (${a.data[k]} and ${b.data[k]}); a NaN never agrees`);
    }
    if (d > best.value) best = { value: d, row: Math.floor(k / a.cols), col: k % a.cols };
  }
  return best;
}
