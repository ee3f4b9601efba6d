// Self-attention, one step of the diagram at a time, every intermediate kept for the notebooks.
import { Matrix, assertFinite, shapeText } from "./matrix.js";
import { matmul } from "./matmul.js";
import { concatColumns, scale, sliceColumns, transpose, zip } from "./ops.js";
import { softmaxRows } from "./softmax.js";
import { affine, checkBias } from "./linear.js";
import { applyMask, causalMask } from "./mask.js";
import { dropoutWithMask, type DropoutOptions } from "./dropout.js";

/** W_Q, W_K, W_V: each d_in x d_out, applied as X * W (+ b when a bias is given). */
export interface ProjectionWeights {
  wq: Matrix;
  wk: Matrix;
  wv: Matrix;
  /** Optional biases, 1 x d_out each (nn.Linear with bias=True); absent or null means none. */
  bq?: Matrix | null;
  bk?: Matrix | null;
  bv?: Matrix | null;
}

export interface AttentionOptions {
  /**
   * Scale scores before softmax: true for 1/sqrt(d_k) (real transformers), a number for that factor.
   * Off by default, as in the diagram; multiHeadAttention turns it on by default.
   */
  scale?: boolean | number;
  /** Hide every later token: scores above the diagonal become -Infinity before softmax (default false). */
  causal?: boolean;
  /** Any other mask, the shape of the scores: 1 hides a score, 0 keeps it (combined with causal when both are given). */
  mask?: Matrix;
  /** Dropout on the attention weights: { rate, training = true, generator }. */
  dropout?: DropoutOptions;
}

/** Every box of the diagram, in order. */
export interface AttentionSteps {
  q: Matrix;
  k: Matrix;
  v: Matrix;
  kT: Matrix;
  /** What softmax receives: Q K^T, divided by sqrt(d_k) when scaled, -Infinity where masked. */
  scores: Matrix;
  /** What multiplies V: softmax of the scores, after dropout when dropout is on. */
  weights: Matrix;
  output: Matrix;
  /** The mask that was applied (1 = hidden), when causal or mask was given. */
  mask?: Matrix;
  /** Softmax of the scores before dropout, and the dropout mask (0 or 1 / (1 - p)), when dropout ran. */
  weightsBeforeDropout?: Matrix;
  dropoutMask?: Matrix;
}

/** The diagram's simplification, "for simplicity now we use same as input": identity weights, so Q = K = V = X. */
export function sameAsInputWeights(dIn: number): ProjectionWeights {
  return { wq: Matrix.identity(dIn), wk: Matrix.identity(dIn), wv: Matrix.identity(dIn) };
}

export function checkProjectionWeights(op: string, x: Matrix, weights: ProjectionWeights): void {
  assertFinite(op, "X", x);
  for (const name of ["wq", "wk", "wv"] as const) {
    const w = weights[name];
    if (!(w instanceof Matrix)) throw new TypeError(`${op}: ${name} is missing; pass { wq, wk, wv } as matrices`);
    if (w.rows !== x.cols) {
      throw new RangeError(
        `${op}: ${name} is ${shapeText(w)} but X is ${shapeText(x)}: ${name} needs ${x.cols} rows, one per column of X`,
      );
    }
    assertFinite(op, name, w);
  }
  if (weights.wq.cols !== weights.wk.cols) {
    throw new RangeError(
      `${op}: wq is ${shapeText(weights.wq)} and wk is ${shapeText(weights.wk)}: queries and keys need the same width to be compared`,
    );
  }
  checkBias(op, "bq", weights.bq, weights.wq.cols);
  checkBias(op, "bk", weights.bk, weights.wk.cols);
  checkBias(op, "bv", weights.bv, weights.wv.cols);
}

/** Q, K, V that attention can combine: finite, keys as wide as queries, one value row per key. */
export function checkQKV(op: string, q: Matrix, k: Matrix, v: Matrix): void {
  if (q.cols !== k.cols) {
    throw new RangeError(`${op}: Q is ${shapeText(q)} and K is ${shapeText(k)}: queries and keys need the same width to be compared`);
  }
  if (k.rows !== v.rows) {
    throw new RangeError(`${op}: K is ${shapeText(k)} and V is ${shapeText(v)}: they need one row per key`);
  }
  assertFinite(op, "Q", q);
  assertFinite(op, "K", k);
  assertFinite(op, "V", v);
}

/** The factor scores are multiplied by: 1/sqrt(d_k) for true, 1 for false or absent, else the number itself. */
export function scaleFactor(op: string, scale: boolean | number | undefined, keyWidth: number): number {
  if (scale === true) return 1 / Math.sqrt(keyWidth);
  if (scale === undefined || scale === false) return 1;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`${op}: scale is ${scale}; use true, false or a positive finite number`);
  }
  return scale;
}

// The causal mask, the given mask, or both together; undefined when nothing is masked.
function attentionMask(options: AttentionOptions, rows: number, cols: number): Matrix | undefined {
  const causal = options.causal ? causalMask(rows, cols) : undefined;
  if (options.mask === undefined) return causal;
  if (!(options.mask instanceof Matrix)) throw new TypeError("attendTo: mask must be a Matrix of 0 (keep) and 1 (hide)");
  if (causal === undefined) return options.mask;
  return zip("attendTo: causal mask and mask", causal, options.mask, (a, b) => Math.max(a, b));
}

/**
 * Attention from already projected Q, K, V: scores = Q K^T (/ sqrt(d_k) when scaled, masked when causal),
 * weights = softmax per row (then dropout when on), output = weights V.
 */
export function attendTo(q: Matrix, k: Matrix, v: Matrix, options: AttentionOptions = {}): AttentionSteps {
  checkQKV("attendTo", q, k, v);
  const kT = transpose(k);
  const rawScores = matmul(q, kT);
  const factor = scaleFactor("attendTo", options.scale, k.cols);
  const scaled = factor === 1 ? rawScores : scale(rawScores, factor);
  const mask = attentionMask(options, scaled.rows, scaled.cols);
  const scores = mask === undefined ? scaled : applyMask(scaled, mask);
  const softmax = softmaxRows(scores);
  const dropped = options.dropout === undefined ? { output: softmax, mask: null } : dropoutWithMask(softmax, options.dropout);
  const weights = dropped.output;
  const output = matmul(weights, v);
  const steps: AttentionSteps = { q, k, v, kT, scores, weights, output };
  if (mask !== undefined) steps.mask = mask;
  if (dropped.mask !== null) {
    steps.weightsBeforeDropout = softmax;
    steps.dropoutMask = dropped.mask;
  }
  return steps;
}

/** Q = X W_Q + b_Q, K = X W_K + b_K, V = X W_V + b_V, for weights already checked against X. */
export function project(x: Matrix, weights: ProjectionWeights): { q: Matrix; k: Matrix; v: Matrix } {
  const { wq, wk, wv, bq = null, bk = null, bv = null } = weights;
  return { q: affine(x, wq, bq), k: affine(x, wk, bk), v: affine(x, wv, bv) };
}

/** Self-attention of X with projections W_Q, W_K, W_V (and biases, if any), returning every step of the diagram. */
export function selfAttention(x: Matrix, weights: ProjectionWeights, options: AttentionOptions = {}): AttentionSteps {
  checkProjectionWeights("selfAttention", x, weights);
  const { q, k, v } = project(x, weights);
  return attendTo(q, k, v, options);
}

/** W_QKV = [W_Q | W_K | W_V]: the three projections as one matrix, as the diagram's fused path draws it. */
export function fuseProjections(weights: ProjectionWeights): Matrix {
  for (const name of ["bq", "bk", "bv"] as const) {
    if (weights[name]) throw new RangeError(`fuseProjections: ${name} is given, but the fused path has no biases; use selfAttention`);
  }
  return concatColumns([weights.wq, weights.wk, weights.wv]);
}

/** One matmul X * W_QKV, split into Q, K, V: the same numbers as three separate projections, in one pass over X. */
export function fusedProjection(
  x: Matrix,
  wqkv: Matrix,
  widths: { q: number; k: number; v: number },
): { qkv: Matrix; q: Matrix; k: Matrix; v: Matrix } {
  assertFinite("fusedProjection", "X", x);
  assertFinite("fusedProjection", "wqkv", wqkv);
  if (widths.q + widths.k + widths.v !== wqkv.cols) {
    throw new RangeError(
      `fusedProjection: wqkv is ${shapeText(wqkv)} but the widths ${widths.q} + ${widths.k} + ${widths.v} sum to ${widths.q + widths.k + widths.v}`,
    );
  }
  const qkv = matmul(x, wqkv);
  return {
    qkv,
    q: sliceColumns(qkv, 0, widths.q),
    k: sliceColumns(qkv, widths.q, widths.q + widths.k),
    v: sliceColumns(qkv, widths.q + widths.k, wqkv.cols),
  };
}
