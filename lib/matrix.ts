// The one data structure of the lib: a dense matrix stored row by row in a typed array.
import { formatMatrix, shapeText } from "./format.js";

export { shapeText };

export type DType = "float64" | "float32";
export type MatrixData = Float64Array | Float32Array;

function allocate(length: number, dtype: DType): MatrixData {
  return dtype === "float32" ? new Float32Array(length) : new Float64Array(length);
}

function checkDimensions(op: string, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new RangeError(`${op}: a matrix needs at least 1 row and 1 column, got ${rows}x${cols}`);
  }
}

export class Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major: element (i, j) is data[i * cols + j]. */
  readonly data: MatrixData;

  constructor(rows: number, cols: number, data?: MatrixData) {
    checkDimensions("Matrix", rows, cols);
    if (data !== undefined && data.length !== rows * cols) {
      throw new RangeError(`Matrix: ${rows}x${cols} needs ${rows * cols} values, got ${data.length}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? new Float64Array(rows * cols);
  }

  get dtype(): DType {
    return this.data instanceof Float32Array ? "float32" : "float64";
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Builds a matrix from rows of numbers; rejects ragged, empty and non-finite input. */
  static from(values: readonly (readonly number[])[], options: { dtype?: DType } = {}): Matrix {
    if (!Array.isArray(values) || values.length === 0 || !Array.isArray(values[0]) || values[0].length === 0) {
      throw new RangeError("Matrix.from: empty matrix (need at least one row with one value)");
    }
    const rows = values.length;
    const cols = values[0].length;
    const data = allocate(rows * cols, options.dtype ?? "float64");
    values.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== cols) {
        throw new RangeError(
          `Matrix.from: ragged rows: row 0 has ${cols} values but row ${i} has ${Array.isArray(row) ? row.length : "none"}`,
        );
      }
      row.forEach((value, j) => {
        if (typeof value !== "number" || !Number.isFinite(value)) {
          throw new RangeError(`Matrix.from: value at [${i}][${j}] is ${String(value)}; every value must be a finite number`);
        }
        data[i * cols + j] = value;
        if (!Number.isFinite(data[i * cols + j])) {
          throw new RangeError(`Matrix.from: value at [${i}][${j}] is ${value}, which overflows ${options.dtype}`);
        }
      });
    });
    return new Matrix(rows, cols, data);
  }

  static zeros(rows: number, cols: number, options: { dtype?: DType } = {}): Matrix {
    checkDimensions("Matrix.zeros", rows, cols);
    return new Matrix(rows, cols, allocate(rows * cols, options.dtype ?? "float64"));
  }

  static identity(size: number, options: { dtype?: DType } = {}): Matrix {
    const m = Matrix.zeros(size, size, options);
    for (let i = 0; i < size; i++) m.data[i * size + i] = 1;
    return m;
  }

  /** A matrix whose element (i, j) is f(i, j). */
  static generate(rows: number, cols: number, f: (i: number, j: number) => number, options: { dtype?: DType } = {}): Matrix {
    const m = Matrix.zeros(rows, cols, options);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.data[i * cols + j] = f(i, j);
    return m;
  }

  get(i: number, j: number): number {
    this.checkIndex("get", i, j);
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, value: number): void {
    this.checkIndex("set", i, j);
    this.data[i * this.cols + j] = value;
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
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /** The same values in another precision (a copy, even when the dtype is unchanged). */
  astype(dtype: DType): Matrix {
    const data = allocate(this.data.length, dtype);
    data.set(this.data);
    return new Matrix(this.rows, this.cols, data);
  }

  /** Rows in brackets with 4 decimals, as the diagram prints them; formatMatrix takes labels too. */
  toString(): string {
    return formatMatrix(this);
  }

  // Lets a notebook cell that ends in a matrix print it like the diagram.
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Matrix ${shapeText(this)}\n${this.toString()}`;
  }

  private checkIndex(op: string, i: number, j: number): void {
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= this.rows || j >= this.cols) {
      throw new RangeError(`Matrix.${op}: index [${i}][${j}] is outside ${shapeText(this)}`);
    }
  }
}

/** The dtype of a result computed from several matrices: float32 only if all are, since widening to float64 is exact. */
export function resultDtype(...inputs: readonly Matrix[]): DType {
  return inputs.every((m) => m.dtype === "float32") ? "float32" : "float64";
}

/** Throws unless every value is finite: the guard at public entries so that NaN never appears later. */
export function assertFinite(op: string, name: string, m: Matrix): void {
  const { data, cols } = m;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      throw new RangeError(
        `${op}: ${name} (${shapeText(m)}) has ${data[k]} at [${Math.floor(k / cols)}][${k % cols}]; every value must be finite`,
      );
    }
  }
}
