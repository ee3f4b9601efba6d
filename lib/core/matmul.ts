// Matrix multiplication: the one operation that attention (and a GPT) spends its time in.
// matmulReference is the definition to read; matmul gives the same numbers, faster (lib/kernels/).
import { Matrix, checkMatrix, checkResult, convert, emptyMatrix, hasNonFinite, resultDtype, shapeText, wrap } from "./matrix.js";
import { checkCallerName, checkOptions } from "./options.js";
import { gemmPacked } from "../kernels/packed.js";
import { wasmKernels, wasmMatmul } from "../kernels/wasm.js";

/** Matrices, shapes that fit and finite values: a NaN or Infinity in a product would spread silently. */
export function checkMatmulInputs(op: string, a: Matrix, b: Matrix, names: readonly [string, string] = ["A", "B"]): void {
  checkCallerName("checkMatmulInputs", op);
  checkMatrix(op, names[0], a);
  checkMatrix(op, names[1], b);
  if (a.cols !== b.rows) {
    throw new RangeError(
      `${op}: ${shapeText(a)} times ${shapeText(b)}: inner dimensions ${a.cols} and ${b.rows} differ`,
    );
  }
}

function referenceProduct(op: string, a: Matrix, b: Matrix): Matrix {
  const c = emptyMatrix(op, a.rows, b.cols, resultDtype(a, b));
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let sum = 0;
      for (let k = 0; k < a.cols; k++) sum += a.data[i * a.cols + k] * b.data[k * b.cols + j];
      c.data[i * c.cols + j] = sum;
    }
  }
  return checkResult(op, "the product", c);
}

/**
 * The readable reference: C[i][j] = sum over k of A[i][k] * B[k][j].
 * Every faster kernel is tested against this one.
 */
export function matmulReference(a: Matrix, b: Matrix): Matrix {
  checkMatmulInputs("matmulReference", a, b);
  return referenceProduct("matmulReference", a, b);
}

/**
 * Which loop computes the product:
 * - "reference": matmulReference.
 * - "packed": the tuned TypeScript kernel; sums in float64 in the reference's order, so it returns
 *   exactly the reference's numbers (float32 results are rounded once, at the end, as the reference does).
 * - "wasm": WebAssembly SIMD, float32 inputs only; sums in float32 in a different order, so it agrees
 *   with the reference to about k * 2^-24 relative (see test/kernels.test.ts).
 * - "auto" (default): reference for tiny products, wasm for float32 where WebAssembly SIMD runs, else packed;
 *   a float32 sum that overflows in wasm is redone by packed, in float64.
 */
export type MatmulKernel = "auto" | "reference" | "packed" | "wasm";

export interface MatmulOptions {
  kernel?: MatmulKernel;
}

// Below this many multiply-adds (e.g. the diagram's 6x3 times 3x6), packing panels costs more than it saves.
const SMALL_PRODUCT = 16 * 16 * 16;

const KERNELS: readonly MatmulKernel[] = ["auto", "reference", "packed", "wasm"];

function chooseKernel(a: Matrix, b: Matrix, kernel: MatmulKernel): Exclude<MatmulKernel, "auto"> {
  if (kernel !== "auto") return kernel;
  if (a.rows * a.cols * b.cols < SMALL_PRODUCT) return "reference";
  if (resultDtype(a, b) === "float32" && wasmKernels().available) return "wasm";
  return "packed";
}

/** A times B for op, from inputs already checked (checkMatmulInputs); the product is checked for overflow. */
export function multiply(op: string, a: Matrix, b: Matrix, kernel: MatmulKernel = "auto"): Matrix {
  const choice = chooseKernel(a, b, kernel);
  if (choice === "reference") return referenceProduct(op, a, b);
  if (choice === "wasm") {
    if (resultDtype(a, b) !== "float32") {
      throw new RangeError(`${op}: the wasm kernel is float32 only, got ${a.dtype} ${shapeText(a)} times ${b.dtype} ${shapeText(b)}`);
    }
    const status = wasmKernels();
    if (!status.available) throw new Error(`${op}: the wasm kernel is unavailable: ${status.reason}`);
    const product = wasmMatmul(a.data as Float32Array, b.data as Float32Array, a.rows, a.cols, b.cols, { op });
    // A float32 partial sum can overflow where the float64 sum of packed stays in range: auto retries there.
    if (kernel === "wasm" || !hasNonFinite(product)) return checkResult(op, "the product (float32 sums of the wasm kernel)", wrap(a.rows, b.cols, product));
  }
  const c = emptyMatrix(op, a.rows, b.cols);
  gemmPacked(a.data, b.data, c.data as Float64Array, a.rows, a.cols, b.cols);
  checkResult(op, "the product", c);
  return resultDtype(a, b) === "float32" ? convert(op, c, "float32") : c;
}

/** A times B, by the fastest kernel that fits (options.kernel picks one by name). */
export function matmul(a: Matrix, b: Matrix, options: MatmulOptions = {}): Matrix {
  const { kernel = "auto" } = checkOptions("matmul", options, { kernel: KERNELS });
  checkMatmulInputs("matmul", a, b);
  return multiply("matmul", a, b, kernel);
}
