// Attention from fast kernels, a block of query rows at a time:
//   scores = Q K^T, scaled: 4x4 blocks of dot products of Q rows with K rows, both read in place (no K^T copy);
//   weights = softmax of each row, in the same pass (masked keys are skipped, not set to -Infinity);
//   output = weights V: 4 rows of weights, read in place, times V packed into panels of 4 columns.
// Causal: query i sees keys 0..i, so blocks of Q K^T above the diagonal and of weights V past it are
// never computed: about half the work of full attention.
// In float64 it performs the step-by-step composition's arithmetic in the same order, so it returns the
// same numbers as transpose + matmulReference + softmaxRows + matmulReference.
import { allocate, checkResult, convert, hasNonFinite, shapeText, wrap, type Matrix } from "../core/matrix.js";
import { ATTENTION_OPTIONS, checkQKV, scaleFactor } from "../attention/attention.js";
import { checkOptions } from "../core/options.js";
import { MR, NR, microKernel, packB, roundUp } from "./packed.js";
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
// (32 and 64 measured no faster at T = 1024, d = 64.)
const ROW_BLOCK = 16;

const FUSED_OPTIONS = { causal: "boolean", scale: ATTENTION_OPTIONS.scale, weights: "boolean", kernel: ["auto", "packed", "wasm"] } as const;

// What attendTo takes and the fused kernel does not: say where to go instead of ignoring it.
const FUSED_HINTS = {
  what: "option",
  hints: {
    mask: "the fused kernel masks only causally: use causal: true, or attendTo(q, k, v, { mask: mask }) for any other mask",
    dropout: "the fused kernel has no dropout: use attendTo(q, k, v, { dropout: { rate: 0.1 } })",
  },
};

function checkAttentionShapes(q: Matrix, k: Matrix, v: Matrix, causal: boolean): void {
  checkQKV("attention", q, k, v);
  if (causal && q.rows !== k.rows) {
    throw new RangeError(`attention: causal needs one query per key, got Q ${shapeText(q)} and K ${shapeText(k)}`);
  }
}

/** Row `start` of scores: softmax its first `valid` entries (already scaled) in place; zero the rest up to `end`. */
function softmaxRow(scores: Float64Array, start: number, valid: number, end: number): void {
  const stop = start + valid;
  let max = -Infinity;
  for (let j = start; j < stop; j++) {
    const score = scores[j];
    // Finite inputs can still overflow to Infinity, or to NaN (Infinity - Infinity), in Q K^T.
    if (!(score > -Infinity && score < Infinity)) throw new RangeError(`attention: a score is ${score}; Q K^T overflowed`);
    if (score > max) max = score;
  }
  let sum = 0;
  for (let j = start; j < stop; j++) {
    const e = Math.exp(scores[j] - max);
    scores[j] = e;
    sum += e;
  }
  for (let j = start; j < stop; j++) scores[j] /= sum;
  scores.fill(0, stop, start + end);
}

/**
 * The 4x4 block of scores at oi (row stride lds) = factor * (Q row . K row) for 4 query rows (from qi) and 4 keys
 * (from ki), each dot product summed over p = 0, 1, ..., d - 1 from 0, as matmulReference sums Q K^T.
 * Q and K are read in place, 8 row streams: a row of K is a column of K^T, so nothing is packed or transposed.
 * Scaling here, on the finished sum, is the same single rounding as scaling the scores afterwards.
 */
function scoreBlock(q: Float64Array, qi: number, k: Float64Array, ki: number, d: number, out: Float64Array, oi: number, lds: number, factor: number): void {
  const q1 = qi + d, q2 = q1 + d, q3 = q2 + d;
  const k1 = ki + d, k2 = k1 + d, k3 = k2 + d;
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let p = 0; p < d; p++) {
    const a0 = q[qi + p], a1 = q[q1 + p], a2 = q[q2 + p], a3 = q[q3 + p];
    const b0 = k[ki + p], b1 = k[k1 + p], b2 = k[k2 + p], b3 = k[k3 + p];
    s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
    s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
    s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
    s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
  }
  const o1 = oi + lds, o2 = o1 + lds, o3 = o2 + lds;
  out[oi] = s00 * factor; out[oi + 1] = s01 * factor; out[oi + 2] = s02 * factor; out[oi + 3] = s03 * factor;
  out[o1] = s10 * factor; out[o1 + 1] = s11 * factor; out[o1 + 2] = s12 * factor; out[o1 + 3] = s13 * factor;
  out[o2] = s20 * factor; out[o2 + 1] = s21 * factor; out[o2 + 2] = s22 * factor; out[o2 + 3] = s23 * factor;
  out[o3] = s30 * factor; out[o3 + 1] = s31 * factor; out[o3 + 2] = s32 * factor; out[o3 + 3] = s33 * factor;
}

/** One score, for the edges the 4x4 blocks leave: the same sum, alone. */
function scoreAt(q: Float64Array, qi: number, k: Float64Array, ki: number, d: number, factor: number): number {
  let sum = 0;
  for (let p = 0; p < d; p++) sum += q[qi + p] * k[ki + p];
  return sum * factor;
}

/** One output, for the edges: a row of weights (from wi) times column `col` of V, over `depth` keys in order. */
function outputAt(w: Float64Array, wi: number, v: Float64Array, col: number, dv: number, depth: number): number {
  let sum = 0;
  for (let p = 0; p < depth; p++) sum += w[wi + p] * v[p * dv + col];
  return sum;
}

// float32 inputs are widened once, so the kernels see one array type (and stay fast for float64).
const asFloat64 = (m: Matrix): Float64Array => (m.data instanceof Float64Array ? m.data : (convert("attention", m, "float64").data as Float64Array));

/** Rows [i0, i0 + rows) of scaled Q K^T into `scores` (row stride s), for the keys each row attends to. */
function scoreRows(q: Float64Array, k: Float64Array, d: number, s: number, i0: number, rows: number, keys: number, causal: boolean, factor: number, scores: Float64Array): void {
  const fullRows = rows - (rows % MR);
  const fullKeys = keys - (keys % NR);
  // Keys outer, rows inner: 4 rows of K (2 KB at d = 64) come from L2 once and serve every query row of the block.
  for (let j0 = 0; j0 < fullKeys; j0 += NR) {
    for (let r0 = 0; r0 < fullRows; r0 += MR) {
      if (causal && j0 >= i0 + r0 + MR) continue; // wholly above the diagonal: masked anyway
      scoreBlock(q, (i0 + r0) * d, k, j0 * d, d, scores, r0 * s + j0, s, factor);
    }
  }
  for (let r = 0; r < rows; r++) {
    const seen = causal ? Math.min(keys, i0 + r - (r % MR) + MR) : keys; // as far as its 4-row block computes
    for (let j = r < fullRows ? fullKeys : 0; j < seen; j++) scores[r * s + j] = scoreAt(q, (i0 + r) * d, k, j * d, d, factor);
  }
}

/** Rows [i0, i0 + rows) of the output (width dv) = weights (row stride s) times V. */
function weightRowsTimesV(weights: Float64Array, s: number, packedV: Float64Array, v: Float64Array, dv: number, i0: number, rows: number, keys: number, causal: boolean, output: Float64Array): void {
  const fullRows = rows - (rows % MR);
  const fullCols = dv - (dv % NR);
  for (let r0 = 0; r0 < rows; r0 += MR) {
    const depth = causal ? Math.min(keys, i0 + r0 + MR) : keys; // weights past the diagonal are 0: skip them
    const cols = r0 < fullRows ? fullCols : 0;
    for (let j0 = 0; j0 < cols; j0 += NR) microKernel(weights, r0 * s, s, 1, packedV, j0 * s, depth, output, (i0 + r0) * dv + j0, dv);
    for (let r = r0; r < Math.min(r0 + MR, rows); r++) {
      for (let c = cols; c < dv; c++) output[(i0 + r) * dv + c] = outputAt(weights, r * s, v, c, dv, depth);
    }
  }
}

function attentionPacked(q: Matrix, k: Matrix, v: Matrix, factor: number, causal: boolean, keepWeights: boolean): { output: Float64Array; weights?: Float64Array } {
  const [t, s, d, dv] = [q.rows, k.rows, q.cols, v.cols];
  const [qd, kd, vd] = [asFloat64(q), asFloat64(k), asFloat64(v)];
  const buffer = (rows: number, cols: number) => allocate("attention", rows, cols) as Float64Array;
  const packedV = buffer(roundUp(dv, NR), s);
  packB(vd, dv, 1, dv, 0, s, packedV);
  const weights = keepWeights ? buffer(t, s) : undefined;
  const scratch = buffer(ROW_BLOCK, s); // no zeroing between blocks: every entry read is written first
  const output = buffer(t, dv);
  for (let i0 = 0; i0 < t; i0 += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, t - i0);
    const keys = causal ? Math.min(s, i0 + rows) : s;
    const scores = weights ? weights.subarray(i0 * s, (i0 + rows) * s) : scratch;
    scoreRows(qd, kd, d, s, i0, rows, keys, causal, factor, scores);
    for (let r = 0; r < rows; r++) softmaxRow(scores, r * s, causal ? i0 + r + 1 : s, keys);
    weightRowsTimesV(scores, s, packedV, vd, dv, i0, rows, keys, causal, output);
  }
  return { output, weights };
}

/**
 * softmax(scale * Q K^T) V, causal or not: Q is queries x d, K is keys x d, V is keys x d_v; the output is queries x d_v.
 * The result is float32 when Q, K and V all are, else float64.
 */
export function attention(q: Matrix, k: Matrix, v: Matrix, options: FusedAttentionOptions = {}): FusedAttentionResult {
  const { causal = false, weights: keepWeights = false, kernel = "auto", scale } = checkOptions("attention", options, FUSED_OPTIONS, FUSED_HINTS);
  checkAttentionShapes(q, k, v, causal);
  const factor = scaleFactor("attention", scale, k.cols);
  const allFloat32 = q.dtype === "float32" && k.dtype === "float32" && v.dtype === "float32";
  const useWasm = kernel === "wasm" || (kernel === "auto" && allFloat32 && !keepWeights && wasmKernels().available);
  if (useWasm) {
    if (!allFloat32 || keepWeights) throw new RangeError("attention: the wasm kernel takes float32 Q, K, V and returns no weights");
    const status = wasmKernels();
    if (!status.available) throw new Error(`attention: the wasm kernel is unavailable: ${status.reason}`);
    const out = wasmAttention(q.data as Float32Array, k.data as Float32Array, v.data as Float32Array, q.rows, k.rows, q.cols, v.cols, factor, causal);
    // Scores past float32's range give NaN there, while packed computes them in float64: auto redoes those in packed.
    if (kernel === "wasm" || !hasNonFinite(out)) {
      return { output: checkResult("attention", "the output (float32 scores of the wasm kernel; kernel \"packed\" computes them in float64)", wrap(q.rows, v.cols, out)) };
    }
  }
  const result = attentionPacked(q, k, v, factor, causal, keepWeights);
  // Computed in float64; rounded once at the end when the inputs were float32.
  const finish = (m: Matrix): Matrix => (allFloat32 ? convert("attention", m, "float32") : m);
  const output = finish(checkResult("attention", "the output", wrap(q.rows, v.cols, result.output)));
  return result.weights ? { output, weights: finish(wrap(q.rows, k.rows, result.weights)) } : { output };
}
