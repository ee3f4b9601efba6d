// Attention from the fast kernels, a block of query rows at a time:
//   scores = Q K^T (K packed as read transposed: no K^T copy), scaled;
//   weights = softmax of each row, fused into the same pass (masked keys are skipped, not set to -Infinity);
//   output = weights V.
// Causal: query i sees keys 0..i, so blocks of Q K^T above the diagonal and of weights V past it are
// never computed: about half the work of full attention.
// In float64 it performs the step-by-step composition's arithmetic in the same order, so it returns the
// same numbers as transpose + matmulReference + softmaxRows + matmulReference.
import { Matrix, assertFinite, shapeText } from "../matrix.js";
import { KC, MR, NR, multiplyBlock, packA, packB, roundUp } from "./packed.js";
import { wasmAttention, wasmKernels } from "./wasm.js";

export interface FusedAttentionOptions {
  /** Query i attends to keys 0..i only (GPT's mask). Needs as many queries as keys. Default false. */
  causal?: boolean;
  /** Multiply scores before softmax: true for 1/sqrt(d_k), or a number; default false (1), as in the diagram. */
  scale?: boolean | number;
  /** Also return the weights (queries x keys); costs that much memory, and keeps to the TypeScript kernel. */
  weights?: boolean;
  /** "wasm": float32 WebAssembly SIMD; "packed": TypeScript, float64 inside; "auto" (default): wasm when all are float32 and it runs. */
  kernel?: "auto" | "packed" | "wasm";
}

export interface FusedAttentionResult {
  output: Matrix;
  /** The softmax weights, when options.weights is true. */
  weights?: Matrix;
}

// Query rows per step: their scores (ROW_BLOCK x keys) stay in cache between the two products.
const ROW_BLOCK = 16;

function checkAttentionShapes(q: Matrix, k: Matrix, v: Matrix, causal: boolean): void {
  if (q.cols !== k.cols) {
    throw new RangeError(`attention: Q is ${shapeText(q)} and K is ${shapeText(k)}: queries and keys need the same width to be compared`);
  }
  if (k.rows !== v.rows) {
    throw new RangeError(`attention: K is ${shapeText(k)} and V is ${shapeText(v)}: they need one row per key`);
  }
  if (causal && q.rows !== k.rows) {
    throw new RangeError(`attention: causal needs one query per key, got Q ${shapeText(q)} and K ${shapeText(k)}`);
  }
  assertFinite("attention", "Q", q);
  assertFinite("attention", "K", k);
  assertFinite("attention", "V", v);
}

function scaleFactor(scale: boolean | number | undefined, width: number): number {
  if (scale === true) return 1 / Math.sqrt(width);
  if (scale === undefined || scale === false) return 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`attention: scale is ${scale}; it must be a positive finite number`);
  return scale;
}

/** Row `start` of scores: scale its first `valid` entries and softmax them in place; zero the rest up to `end`. */
function softmaxRow(scores: Float64Array, start: number, valid: number, end: number, factor: number): void {
  let max = -Infinity;
  for (let j = start; j < start + valid; j++) {
    scores[j] *= factor;
    if (scores[j] > max) max = scores[j];
  }
  if (!Number.isFinite(max)) throw new RangeError(`attention: a score is ${max}; Q K^T overflowed`);
  let sum = 0;
  for (let j = start; j < start + valid; j++) {
    scores[j] = Math.exp(scores[j] - max);
    sum += scores[j];
  }
  for (let j = start; j < start + valid; j++) scores[j] /= sum;
  scores.fill(0, start + valid, start + end);
}

function attentionPacked(q: Matrix, k: Matrix, v: Matrix, factor: number, causal: boolean, keepWeights: boolean): { output: Float64Array; weights?: Float64Array } {
  const [t, s, d, dv] = [q.rows, k.rows, q.cols, v.cols];
  const packedK = new Float64Array(roundUp(s, NR) * d);
  packB(k.data, 1, d, s, 0, d, packedK); // B(p, j) = K[j][p]: K^T without the copy
  const packedV = new Float64Array(roundUp(dv, NR) * s);
  packB(v.data, dv, 1, dv, 0, s, packedV);
  const packedQ = new Float64Array(ROW_BLOCK * d);
  const packedP = new Float64Array(ROW_BLOCK * s);
  const weights = keepWeights ? new Float64Array(t * s) : undefined;
  const scratch = new Float64Array(ROW_BLOCK * s);
  const output = new Float64Array(t * dv);
  for (let i0 = 0; i0 < t; i0 += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, t - i0);
    const keys = causal ? Math.min(s, i0 + rows) : s;
    const scores = weights ? weights.subarray(i0 * s, (i0 + rows) * s) : scratch.fill(0);
    packA(q.data, i0 * d, d, rows, 0, d, packedQ);
    for (let j0 = 0; j0 < keys; j0 += NR) {
      for (let r0 = 0; r0 < rows; r0 += MR) {
        if (causal && j0 > i0 + r0 + MR - 1) continue; // wholly above the diagonal: masked anyway
        multiplyBlock(packedQ, r0 * d, packedK, j0 * d, d, scores, r0 * s + j0, s, Math.min(MR, rows - r0), Math.min(NR, keys - j0));
      }
    }
    for (let r = 0; r < rows; r++) softmaxRow(scores, r * s, causal ? i0 + r + 1 : s, keys, factor);
    packA(scores, 0, s, rows, 0, keys, packedP);
    // Over the keys KC at a time, so the panels in use stay in L1; the sums keep their order.
    for (let p0 = 0; p0 < keys; p0 += KC) {
      for (let j0 = 0; j0 < dv; j0 += NR) {
        for (let r0 = 0; r0 < rows; r0 += MR) {
          const depth = Math.min(KC, (causal ? Math.min(keys, i0 + r0 + MR) : keys) - p0); // weights past the diagonal are 0
          if (depth <= 0) continue;
          multiplyBlock(packedP, r0 * keys + p0 * MR, packedV, j0 * s + p0 * NR, depth, output, (i0 + r0) * dv + j0, dv, Math.min(MR, rows - r0), Math.min(NR, dv - j0));
        }
      }
    }
  }
  return { output, weights };
}

/**
 * softmax(scale * Q K^T) V, causal or not: Q is queries x d, K is keys x d, V is keys x d_v; the output is queries x d_v.
 * The result is float32 when Q, K and V all are, else float64.
 */
export function attention(q: Matrix, k: Matrix, v: Matrix, options: FusedAttentionOptions = {}): FusedAttentionResult {
  const { causal = false, weights: keepWeights = false, kernel = "auto" } = options;
  if (!["auto", "packed", "wasm"].includes(kernel)) throw new RangeError(`attention: unknown kernel "${kernel}"; use auto, packed or wasm`);
  checkAttentionShapes(q, k, v, causal);
  const factor = scaleFactor(options.scale, k.cols);
  const allFloat32 = q.dtype === "float32" && k.dtype === "float32" && v.dtype === "float32";
  const useWasm = kernel === "wasm" || (kernel === "auto" && allFloat32 && !keepWeights && wasmKernels().available);
  if (useWasm) {
    if (!allFloat32 || keepWeights) throw new RangeError("attention: the wasm kernel takes float32 Q, K, V and returns no weights");
    const status = wasmKernels();
    if (!status.available) throw new Error(`attention: the wasm kernel is unavailable: ${status.reason}`);
    const out = wasmAttention(q.data as Float32Array, k.data as Float32Array, v.data as Float32Array, q.rows, k.rows, q.cols, v.cols, factor, causal);
    return { output: new Matrix(q.rows, v.cols, out) };
  }
  const result = attentionPacked(q, k, v, factor, causal, keepWeights);
  // Computed in float64; rounded once at the end when the inputs were float32.
  const finish = (m: Matrix): Matrix => (allFloat32 ? m.astype("float32") : m);
  const output = finish(new Matrix(q.rows, v.cols, result.output));
  return result.weights ? { output, weights: finish(new Matrix(q.rows, k.rows, result.weights)) } : { output };
}
