// The matrix product a GPT's layers call, on flat row-major arrays with no Matrix objects and no copies of
// transposes: forward needs X W^T (nn.Linear keeps W as out x in), backward needs dY W and dY^T X.
import { checkOptions, describe } from "../core/options.js";
import { gemmPacked } from "./packed.js";
import { wasmGemm, wasmKernels } from "./wasm.js";

export interface GemmOptions {
  /** A is stored k x m and read as its transpose. */
  transposeA?: boolean;
  /** B is stored n x k and read as its transpose. */
  transposeB?: boolean;
  /** C += op(A) op(B) instead of C = op(A) op(B): how gradients accumulate. */
  accumulate?: boolean;
}

// One reusable float64 buffer for float32 products when WebAssembly is missing.
let scratch = new Float64Array(0);

/**
 * C (m x n) = op(A) op(B), op(A) m x k, op(B) k x n, all of one dtype. float64 runs the packed TypeScript kernel
 * (each C element summed over k in order, as the reference does); float32 runs the WebAssembly SIMD kernel, or
 * the packed kernel in float64 rounded once where WebAssembly SIMD is missing. Array lengths are checked, not shapes.
 */
export function gemm<T extends Float32Array | Float64Array>(c: T, a: T, b: T, m: number, k: number, n: number, options: GemmOptions = {}): void {
  const { transposeA = false, transposeB = false, accumulate = false } = checkOptions("gemm", options, { transposeA: "boolean", transposeB: "boolean", accumulate: "boolean" });
  for (const [name, x] of [["C", c], ["A", a], ["B", b]] as const) {
    if (!(x instanceof Float32Array || x instanceof Float64Array)) throw new TypeError(`gemm: ${name} must be a Float32Array or a Float64Array, got ${describe(x)}`);
  }
  for (const [name, x] of [["m", m], ["k", k], ["n", n]] as const) {
    if (!Number.isSafeInteger(x) || x < 0) throw new RangeError(`gemm: ${name} must be an integer >= 0, got ${describe(x)}`);
  }
  if (a.length < m * k || b.length < k * n || c.length < m * n) {
    throw new RangeError(`gemm: ${m}x${k} times ${k}x${n} needs A ${m * k}, B ${k * n}, C ${m * n} values; got ${a.length}, ${b.length}, ${c.length}`);
  }
  if (c instanceof Float64Array) {
    if (!(a instanceof Float64Array && b instanceof Float64Array)) throw new TypeError("gemm: A, B and C must share one dtype");
    if (!accumulate) c.fill(0, 0, m * n);
    gemmPacked(a, b, c, m, k, n, { transposeA, transposeB });
    return;
  }
  if (!(a instanceof Float32Array && b instanceof Float32Array)) throw new TypeError("gemm: A, B and C must share one dtype");
  if (wasmKernels().available) {
    wasmGemm(c as Float32Array, a, b, m, k, n, transposeA, transposeB, accumulate);
    return;
  }
  if (scratch.length < m * n) scratch = new Float64Array(m * n);
  const sum = scratch.subarray(0, m * n);
  for (let i = 0; i < m * n; i++) sum[i] = accumulate ? c[i] : 0;
  gemmPacked(a, b, sum, m, k, n, { transposeA, transposeB });
  c.set(sum);
}
