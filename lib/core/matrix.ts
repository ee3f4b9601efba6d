// The one data structure of the lib: a dense matrix stored row by row in a typed array.
import { formatMatrix, shapeText } from "./format.js";
import { checkCallerName, checkOptions, describe, type CustomKind } from "./options.js";

export { shapeText };

export type DType = "float64" | "float32";
export type MatrixData = Float64Array | Float32Array;

const DTYPES: readonly DType[] = ["float64", "float32"];
const DTYPE_OPTION = { dtype: DTYPES } as const;
const BYTES_PER_VALUE: Record<DType, number> = { float64: 8, float32: 4 };

/**
 * The most memory one matrix may take. A typo such as 100000 x 100000 (80 GB) then fails at once with its size,
 * instead of an engine error or a machine that runs out of memory after seconds.
 */
export const MAX_MATRIX_BYTES = 2e9;

/** 80000000000 as "80 GB": how allocation errors name a size. */
export function bytesText(bytes: number): string {
  const units: [number, string][] = [[1e12, "TB"], [1e9, "GB"], [1e6, "MB"], [1e3, "kB"]];
  for (const [size, unit] of units) if (bytes >= size) return `${Number((bytes / size).toPrecision(3))} ${unit}`;
  return `${bytes} bytes`;
}

/** Throws unless rows and cols are positive whole numbers. */
export function checkDimensions(op: string, rows: number, cols: number): void {
  for (const [name, n] of [["rows", rows], ["columns", cols]] as const) {
    if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new RangeError(`${op}: ${name} must be a whole number, got ${valueText(n)}`);
  }
  if (rows < 1 || cols < 1) throw new RangeError(`${op}: a matrix needs at least 1 row and 1 column, got ${rows}x${cols}`);
}

/**
 * The one place the lib allocates a matrix's values: checks the size first, so that a matrix too big fails at once
 * with a message that names `op`, the size and the bytes it needs.
 */
export function allocate(op: string, rows: number, cols: number, dtype: DType = "float64"): MatrixData {
  checkDimensions(op, rows, cols);
  if (!DTYPES.includes(dtype)) throw new TypeError(`${op}: dtype must be "float64" or "float32", got ${describe(dtype)}`);
  const bytes = rows * cols * BYTES_PER_VALUE[dtype];
  const needs = `${op}: a ${rows}x${cols} ${dtype} matrix needs ${bytesText(bytes)}`;
  if (bytes > MAX_MATRIX_BYTES) throw new RangeError(`${needs}, more than the ${bytesText(MAX_MATRIX_BYTES)} one matrix may take`);
  try {
    return dtype === "float32" ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  } catch {
    throw new RangeError(`${needs}, more memory than this machine could give`);
  }
}

/** Index of the first value that is not finite (allowing -Infinity, a masked score, when masked), or -1. */
function firstNonFinite(data: MatrixData, masked: boolean): number {
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    // v - v is 0 for every finite v, NaN for NaN and the infinities: one subtraction, no call.
    if (v - v !== 0 && !(masked && v === -Infinity)) return k;
  }
  return -1;
}

// Set only while the lib wraps values it computed and checked itself (see wrap).
let trusted = false;

/** The string a value gets in "value at [0][1] is NaN": numbers as themselves, anything else described. */
const valueText = (value: unknown): string => (typeof value === "number" ? String(value) : describe(value));

/**
 * Stores one value from a user, refusing what a matrix cannot hold: non-numbers, NaN, infinities, float32 overflow.
 * With masked, -Infinity (a masked score) is stored too.
 */
function store(op: string, where: string, data: MatrixData, k: number, value: unknown, masked = false): void {
  if (typeof value !== "number" || !(Number.isFinite(value) || (masked && value === -Infinity))) {
    throw new RangeError(`${op}: ${where} is ${valueText(value)}; every value must be a finite number${masked ? " (or -Infinity to mask)" : ""}`);
  }
  data[k] = value;
  if (data[k] - data[k] !== 0 && value !== -Infinity) throw new RangeError(`${op}: ${where} is ${value}, which overflows float32`);
}

// Marks a Matrix even when two copies of the lib are loaded (a notebook kernel, a test that reloads modules):
// `instanceof Matrix` checks this mark instead of the prototype chain.
const MATRIX_MARK = Symbol.for("thelittlebaby.Matrix");

export class Matrix {
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MATRIX_MARK] === true;
  }

  readonly rows: number;
  readonly cols: number;
  /** Row-major: element (i, j) is data[i * cols + j]. */
  readonly data: MatrixData;

  /**
   * A rows x cols matrix of zeros, or over `data` (a Float64Array or Float32Array, used as is) whose values are finite,
   * or -Infinity for a masked score as in attention.
   */
  constructor(rows: number, cols: number, data?: MatrixData) {
    checkDimensions("Matrix", rows, cols);
    if (data === undefined) {
      data = allocate("Matrix", rows, cols);
    } else if (!trusted) {
      if (!(data instanceof Float64Array || data instanceof Float32Array)) {
        const hint = Array.isArray(data)
          ? "; use Matrix.from(rows) for rows of numbers"
          : ArrayBuffer.isView(data)
            ? " (an integer array would drop fractions); convert it with Float64Array.from(data)"
            : "";
        throw new TypeError(`Matrix: data must be a Float64Array or Float32Array, got ${describe(data)}${hint}`);
      }
      if (data.length !== rows * cols) throw new RangeError(`Matrix: ${rows}x${cols} needs ${rows * cols} values, got ${data.length}`);
      const k = firstNonFinite(data, true);
      if (k >= 0) throw new RangeError(`Matrix: data[${k}] is ${data[k]}; every value must be finite (or -Infinity, a masked score)`);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  get dtype(): DType {
    return this.data instanceof Float32Array ? "float32" : "float64";
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Builds a matrix from rows of numbers; rejects ragged, empty, sparse and non-finite input. */
  static from(values: readonly (readonly number[])[], options: { dtype?: DType } = {}): Matrix {
    const op = "Matrix.from";
    const { dtype = "float64" } = checkOptions(op, options, DTYPE_OPTION);
    if (!Array.isArray(values)) throw new TypeError(`${op}: expected an array of rows like [[1, 2], [3, 4]], got ${describe(values)}`);
    if (values.length === 0) throw new RangeError(`${op}: no rows; a matrix needs at least one row with one value`);
    if (!(0 in values)) throw new RangeError(`${op}: row 0 is missing (a hole in the array)`);
    const first: unknown = values[0];
    if (!Array.isArray(first)) {
      const hint = typeof first === "number" ? `got an array of numbers; for one row write [[${values.slice(0, 3).join(", ")}${values.length > 3 ? ", ..." : ""}]]` : `row 0 is ${describe(first)}`;
      throw new TypeError(`${op}: expected an array of rows like [[1, 2], [3, 4]], ${hint}`);
    }
    if (first.length === 0) throw new RangeError(`${op}: row 0 is empty; a matrix needs at least one row with one value`);
    const rows = values.length;
    const cols = first.length;
    const data = allocate(op, rows, cols, dtype);
    for (let i = 0; i < rows; i++) {
      if (!(i in values)) throw new RangeError(`${op}: row ${i} is missing (a hole in the array)`);
      const row: unknown = values[i];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new RangeError(`${op}: ragged rows: row 0 has ${cols} values but row ${i} has ${Array.isArray(row) ? row.length : describe(row)}`);
      }
      for (let j = 0; j < cols; j++) {
        if (!(j in row)) throw new RangeError(`${op}: value at [${i}][${j}] is missing (a hole in the array)`);
        store(op, `value at [${i}][${j}]`, data, i * cols + j, row[j]);
      }
    }
    return wrap(rows, cols, data);
  }

  static zeros(rows: number, cols: number, options: { dtype?: DType } = {}): Matrix {
    const { dtype } = checkOptions("Matrix.zeros", options, DTYPE_OPTION);
    return wrap(rows, cols, allocate("Matrix.zeros", rows, cols, dtype));
  }

  static identity(size: number, options: { dtype?: DType } = {}): Matrix {
    const { dtype } = checkOptions("Matrix.identity", options, DTYPE_OPTION);
    return identityMatrix("Matrix.identity", size, dtype);
  }

  /** A matrix whose element (i, j) is f(i, j). */
  static generate(rows: number, cols: number, f: (i: number, j: number) => number, options: { dtype?: DType } = {}): Matrix {
    const { dtype } = checkOptions("Matrix.generate", options, DTYPE_OPTION);
    return generateOf("Matrix.generate", rows, cols, f, dtype);
  }

  get(i: number, j: number): number {
    this.checkIndex("get", i, j);
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, value: number): void {
    this.checkIndex("set", i, j);
    store("Matrix.set", `value for [${i}][${j}]`, this.data, i * this.cols + j, value);
  }

  /** Row i as a plain array. */
  row(i: number): number[] {
    this.checkIndex("row", i, 0);
    return Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols));
  }

  /** Column j as a plain array. */
  column(j: number): number[] {
    this.checkIndex("column", 0, j);
    return Array.from({ length: this.rows }, (_, i) => this.data[i * this.cols + j]);
  }

  toArray(): number[][] {
    return Array.from({ length: this.rows }, (_, i) => this.row(i));
  }

  clone(): Matrix {
    return wrap(this.rows, this.cols, this.data.slice());
  }

  /** The same values in another precision (a copy, even when the dtype is unchanged). */
  astype(dtype: DType): Matrix {
    if (!DTYPES.includes(dtype)) throw new TypeError(`Matrix.astype: dtype must be "float64" or "float32", got ${describe(dtype)}`);
    return convert("Matrix.astype", this, dtype);
  }

  /** Rows in brackets with 4 decimals, as the diagram prints them (summarised with ... when large); formatMatrix takes labels too. */
  toString(): string {
    return formatMatrix(this);
  }

  // Lets a notebook cell that ends in a matrix print it like the diagram.
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Matrix ${shapeText(this)}\n${this.toString()}`;
  }

  private checkIndex(op: string, i: number, j: number): void {
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= this.rows || j >= this.cols) {
      throw new RangeError(`Matrix.${op}: index [${valueText(i)}][${valueText(j)}] is outside ${shapeText(this)}`);
    }
  }
}

Object.defineProperty(Matrix.prototype, MATRIX_MARK, { value: true });

/** A Matrix over values the lib computed itself: no check of the values (the caller checks its results). */
export function wrap(rows: number, cols: number, data: MatrixData): Matrix {
  trusted = true;
  try {
    return new Matrix(rows, cols, data);
  } finally {
    trusted = false;
  }
}

/** A matrix of zeros for a result of `op`: allocation errors name op. */
export function emptyMatrix(op: string, rows: number, cols: number, dtype: DType = "float64"): Matrix {
  return wrap(rows, cols, allocate(op, rows, cols, dtype));
}

/** Matrix.generate for op: every value f returns is checked as it is stored. */
export function generateOf(op: string, rows: number, cols: number, f: (i: number, j: number) => number, dtype: DType = "float64", masked = false): Matrix {
  if (typeof f !== "function") throw new TypeError(`${op}: f must be a function, got ${describe(f)}`);
  const m = emptyMatrix(op, rows, cols, dtype);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) store(op, `f(${i}, ${j})`, m.data, i * cols + j, f(i, j), masked);
  return m;
}

export function identityMatrix(op: string, size: number, dtype: DType = "float64"): Matrix {
  const m = emptyMatrix(op, size, size, dtype);
  for (let i = 0; i < size; i++) m.data[i * size + i] = 1;
  return m;
}

/** m's values in `dtype` for op; float64 to float32 can overflow, which is an error naming op. */
export function convert(op: string, m: Matrix, dtype: DType): Matrix {
  const out = emptyMatrix(op, m.rows, m.cols, dtype);
  out.data.set(m.data);
  if (dtype === "float32" && m.dtype === "float64") checkResult(op, "the result", out, { masked: true });
  return out;
}

/** Matrix kind for checkOptions: `mask: Matrix`. */
const fromArray = (value: unknown) => (Array.isArray(value) ? "use Matrix.from(...)" : undefined);
export const MATRIX_KIND: CustomKind = { test: (value) => value instanceof Matrix, text: "a Matrix", hint: fromArray };
/** For biases: a Matrix, or null for none. */
export const MATRIX_OR_NULL_KIND: CustomKind = { test: (value) => value === null || value instanceof Matrix, text: "a Matrix or null", hint: fromArray };

/** The dtype of a result computed from several matrices: float32 only if all are, since widening to float64 is exact. */
export function resultDtype(...inputs: readonly Matrix[]): DType {
  if (inputs.length === 0) throw new RangeError("resultDtype: no inputs; pass the matrices a result is computed from");
  inputs.forEach((m, i) => {
    if (!(m instanceof Matrix)) throw new TypeError(`resultDtype: expected a Matrix for input ${i}, got ${describe(m)}`);
  });
  return inputs.every((m) => m.dtype === "float32") ? "float32" : "float64";
}

/**
 * The input check of every public entry: m is a Matrix (a plain number[][] gets a pointer to Matrix.from)
 * and every value is finite; with masked, -Infinity (a masked attention score) is allowed too.
 */
export function checkMatrix(op: string, name: string, m: unknown, options: { masked?: boolean } = {}): asserts m is Matrix {
  if (!(m instanceof Matrix)) {
    const got = Array.isArray(m) ? "an array: use Matrix.from(...)" : describe(m);
    throw new TypeError(`${op}: expected a Matrix for ${name}, got ${got}`);
  }
  const k = firstNonFinite(m.data, options.masked === true);
  if (k >= 0) {
    const allowed = options.masked ? "finite or -Infinity (masked)" : "finite";
    throw new RangeError(`${op}: ${name} (${shapeText(m)}) has ${m.data[k]} at [${Math.floor(k / m.cols)}][${k % m.cols}]; every value must be ${allowed}`);
  }
}

/** Throws unless every value is finite: the guard at public entries so that NaN never appears later. */
export function assertFinite(op: string, name: string, m: Matrix): void {
  checkCallerName("assertFinite", op);
  if (typeof name !== "string") throw new TypeError(`assertFinite: name must be a string, what the matrix is, e.g. "Q", got ${describe(name)}`);
  checkMatrix(op, name, m);
}

/**
 * The output check: finite inputs can still overflow to Infinity, or to NaN (Infinity - Infinity), in a result.
 * Throws an error naming op and what overflowed; returns m when every value is finite (or masked, where allowed).
 */
export function checkResult(op: string, what: string, m: Matrix, options: { masked?: boolean } = {}): Matrix {
  const k = firstNonFinite(m.data, options.masked === true);
  if (k >= 0) {
    throw new RangeError(`${op}: ${what} overflows ${m.dtype}: ${m.data[k]} at [${Math.floor(k / m.cols)}][${k % m.cols}] of the ${shapeText(m)} result; the inputs are too large`);
  }
  return m;
}

/** checkResult for one number. */
export function checkNumber(op: string, what: string, x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`${op}: ${what} overflows float64 (${x}); the input is too large`);
  return x;
}

/** True when some value is NaN or infinite: how a kernel that computes in float32 knows to redo a product in float64. */
export function hasNonFinite(data: MatrixData): boolean {
  return firstNonFinite(data, false) >= 0;
}
