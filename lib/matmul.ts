// Matrix multiplication: the one operation that attention (and a GPT) spends its time in.
// matmulReference is the definition to read; matmul gives the same numbers, faster (lib/kernels/).
import { Matrix, assertFinite, resultDtype, shapeText } from "./matrix.js";
import { gemmPacked } from "./kernels/packed.js";
import { wasmKernels, wasmMatmul } from "./kernels/wasm.js";

/** Shapes that fit and finite values: a NaN or Infinity in a product would spread silently. */
export function checkMatmulInputs(op: string, a: Matrix, b: Matrix): void {
  if (a.cols !== b.rows) {
    throw new RangeError(
      `${op}: ${shapeText(a)} times ${shapeText(b)}: inner dimensions ${a.cols} and ${b.rows} differ`,
    );
  }
  assertFinite(op, "A", a);
  assertFinite(op, "B", b);
}

/**
 * The readable reference: C[i][j] = sum over k of A[i][k] * B[k][j].
 * Every faster kernel is tested against this one.
 */
export function matmulReference(a: Matrix, b: Matrix): Matrix {
  checkMatmulInputs("matmul", a, b);
  const c = Matrix.zeros(a.rows, b.cols, { dtype: resultDtype(a, b) });
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let sum = 0;
      for (let k = 0; k < a.cols; k++) sum += a.data[i * a.cols + k] * b.data[k * b.cols + j];
      c.data[i * c.cols + j] = sum;
    }
  }
  return c;
}

/**
 * Which loop computes the product:
 * - "reference": matmulReference.
 * - "packed": the tuned TypeScript kernel; sums in float64 in the reference's order, so it returns
 *   exactly the reference's numbers (float32 results are rounded once, at the end, as the reference does).
 * - "wasm": WebAssembly SIMD, float32 inputs only; sums in float32 in a different order, so it agrees
 *   with the reference to about k * 2^-24 relative (see test/kernels.test.ts).
 * - "auto" (default): reference for tiny products, wasm for float32 where WebAssembly SIMD runs, else packed.
 */
export type MatmulKernel = "auto" | "reference" | "packed" | "wasm";

export interface MatmulOptions {
  kernel?: MatmulKernel;
}

// Below this many multiply-adds (e.g. the diagram's 6x3 times 3x6), packing panels costs more than it saves.
const SMALL_PRODUCT = 16 * 16 * 16;

const KERNELS: readonly MatmulKernel[] = ["auto", "reference", "packed", "wasm"];

function chooseKernel(a: Matrix, b: Matrix, kernel: MatmulKernel): Exclude<MatmulKernel, "auto"> {
  if (!KERNELS.includes(kernel)) throw new RangeError(`matmul: unknown kernel "${kernel}"; use one of ${KERNELS.join(", ")}`);
  if (kernel !== "auto") return kernel;
  if (a.rows * a.cols * b.cols < SMALL_PRODUCT) return "reference";
  if (resultDtype(a, b) === "float32" && wasmKernels().available) return "wasm";
  return "packed";
}

/** A times B, by the fastest kernel that fits (options.kernel picks one by name). */
export function matmul(a: Matrix, b: Matrix, options: MatmulOptions = {}): Matrix {
  checkMatmulInputs("matmul", a, b);
  const kernel = chooseKernel(a, b, options.kernel ?? "auto");
  if (kernel === "reference") return matmulReference(a, b);
  if (kernel === "wasm") {
    if (resultDtype(a, b) !== "float32") {
      throw new RangeError(`matmul: the wasm kernel is float32 only, got ${a.dtype} ${shapeText(a)} times ${b.dtype} ${shapeText(b)}`);
    }
    const status = wasmKernels();
    if (!status.available) throw new Error(`matmul: the wasm kernel is unavailable: ${status.reason}`);
    return new Matrix(a.rows, b.cols, wasmMatmul(a.data as Float32Array, b.data as Float32Array, a.rows, a.cols, b.cols));
  }
  const c = Matrix.zeros(a.rows, b.cols);
  gemmPacked(a.data, b.data, c.data as Float64Array, a.rows, a.cols, b.cols);
  return resultDtype(a, b) === "float32" ? c.astype("float32") : c;
}
