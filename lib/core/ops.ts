// Elementwise and shape operations: small, and each checks its inputs, its shapes and its result.
import { Matrix, checkMatrix, checkResult, emptyMatrix, generateOf, resultDtype, shapeText } from "./matrix.js";
import { describe } from "./options.js";

/** M^T for op; moves values only, so masked scores (-Infinity) may pass. */
export function transposeOf(op: string, m: Matrix): Matrix {
  const t = emptyMatrix(op, m.cols, m.rows, m.dtype);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j];
  }
  return t;
}

export function transpose(m: Matrix): Matrix {
  checkMatrix("transpose", "m", m, { masked: true });
  return transposeOf("transpose", m);
}

/** A new matrix with f applied to every element; f must return finite numbers, or -Infinity to mask a score. */
export function map(m: Matrix, f: (value: number, i: number, j: number) => number): Matrix {
  checkMatrix("map", "m", m, { masked: true });
  if (typeof f !== "function") throw new TypeError(`map: f must be a function (value, i, j) => number, got ${describe(f)}`);
  return generateOf("map", m.rows, m.cols, (i, j) => f(m.data[i * m.cols + j], i, j), m.dtype, true);
}

export function checkSameShape(op: string, a: Matrix, b: Matrix): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new RangeError(`${op}: shapes ${shapeText(a)} and ${shapeText(b)} differ`);
  }
}

/** f applied to matching elements of two matrices of the same shape (float32 only if both are); the result is checked. */
export function zip(op: string, a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix {
  checkSameShape(op, a, b);
  const out = emptyMatrix(op, a.rows, a.cols, resultDtype(a, b));
  for (let k = 0; k < out.data.length; k++) out.data[k] = f(a.data[k], b.data[k]);
  return checkResult(op, "the result", out);
}

function elementwise(op: string, a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix {
  checkMatrix(op, "A", a);
  checkMatrix(op, "B", b);
  return zip(op, a, b, f);
}

export function add(a: Matrix, b: Matrix): Matrix {
  return elementwise("add", a, b, (x, y) => x + y);
}

export function subtract(a: Matrix, b: Matrix): Matrix {
  return elementwise("subtract", a, b, (x, y) => x - y);
}

/** factor * m for op, with the product checked for overflow. */
export function scaleOf(op: string, m: Matrix, factor: number): Matrix {
  const out = emptyMatrix(op, m.rows, m.cols, m.dtype);
  for (let k = 0; k < out.data.length; k++) out.data[k] = m.data[k] * factor;
  return checkResult(op, "the product", out);
}

export function scale(m: Matrix, factor: number): Matrix {
  checkMatrix("scale", "m", m);
  if (typeof factor !== "number" || !Number.isFinite(factor)) throw new RangeError(`scale: factor is ${describe(factor)}; it must be a finite number`);
  return scaleOf("scale", m, factor);
}

/** The sum of each row, as a column vector (rows x 1). */
export function rowSums(m: Matrix): Matrix {
  checkMatrix("rowSums", "m", m);
  const out = emptyMatrix("rowSums", m.rows, 1, m.dtype);
  for (let i = 0; i < m.rows; i++) {
    let sum = 0;
    for (let j = 0; j < m.cols; j++) sum += m.data[i * m.cols + j];
    out.data[i] = sum;
  }
  return checkResult("rowSums", "a row sum", out);
}

/** Columns [start, end) of m for op, bounds already checked. */
export function columnsOf(op: string, m: Matrix, start: number, end: number): Matrix {
  const out = emptyMatrix(op, m.rows, end - start, m.dtype);
  for (let i = 0; i < m.rows; i++) out.data.set(m.data.subarray(i * m.cols + start, i * m.cols + end), i * out.cols);
  return out;
}

/** The columns [start, end) of m: how a fused Q|K|V projection splits into Q, K and V. */
export function sliceColumns(m: Matrix, start: number, end: number): Matrix {
  checkMatrix("sliceColumns", "m", m, { masked: true });
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > m.cols || start >= end) {
    throw new RangeError(`sliceColumns: columns [${String(start)}, ${String(end)}) do not fit in ${shapeText(m)}`);
  }
  return columnsOf("sliceColumns", m, start, end);
}

/** [A | B | ...] for op, from matrices already checked. */
export function joinColumns(op: string, parts: readonly Matrix[]): Matrix {
  const rows = parts[0].rows;
  for (const p of parts) {
    if (p.rows !== rows) {
      throw new RangeError(`${op}: ${shapeText(parts[0])} and ${shapeText(p)} have different row counts`);
    }
  }
  const cols = parts.reduce((n, p) => n + p.cols, 0);
  const out = emptyMatrix(op, rows, cols, resultDtype(...parts));
  let offset = 0;
  for (const p of parts) {
    for (let i = 0; i < rows; i++) out.data.set(p.data.subarray(i * p.cols, (i + 1) * p.cols), i * cols + offset);
    offset += p.cols;
  }
  return out;
}

/** Matrices of the same row count side by side: [A | B | ...] (float32 only if all are). */
export function concatColumns(parts: readonly Matrix[]): Matrix {
  if (!Array.isArray(parts)) throw new TypeError(`concatColumns: expected an array of matrices, got ${describe(parts)}`);
  if (parts.length === 0) throw new RangeError("concatColumns: no matrices to join");
  // An index loop, not forEach: forEach skips the holes of a sparse array.
  for (let i = 0; i < parts.length; i++) checkMatrix("concatColumns", `parts[${i}]`, parts[i], { masked: true });
  return joinColumns("concatColumns", parts);
}

/** The largest absolute elementwise difference, and where: how "these two agree" is measured. */
export function maxAbsDifference(a: Matrix, b: Matrix): { value: number; row: number; col: number } {
  checkMatrix("maxAbsDifference", "A", a, { masked: true });
  checkMatrix("maxAbsDifference", "B", b, { masked: true });
  checkSameShape("maxAbsDifference", a, b);
  let best = { value: -1, row: 0, col: 0 };
  for (let k = 0; k < a.data.length; k++) {
    const d = a.data[k] === b.data[k] ? 0 : Math.abs(a.data[k] - b.data[k]);
    if (d === Infinity) {
      const [x, y] = [a.data[k], b.data[k]];
      throw new RangeError(`maxAbsDifference: [${Math.floor(k / a.cols)}][${k % a.cols}] is masked in one matrix only (${x} and ${y}); they cannot agree`);
    }
    if (d > best.value) best = { value: d, row: Math.floor(k / a.cols), col: k % a.cols };
  }
  return best;
}
