// Self-attention, one step of the diagram at a time, every intermediate kept for the notebooks.
import { MATRIX_KIND, MATRIX_OR_NULL_KIND, Matrix, checkMatrix, identityMatrix, shapeText } from "../core/matrix.js";
import { checkMatmulInputs, multiply } from "../core/matmul.js";
import { columnsOf, joinColumns, scaleOf, transposeOf, zip } from "../core/ops.js";
import { softmaxOf } from "../core/softmax.js";
import { affineOf, checkBias } from "./linear.js";
import { causalMaskOf, maskScores } from "./mask.js";
import { checkDropoutOptions, dropoutOf, type DropoutOptions } from "./dropout.js";
import { checkOptions, describe, requireOptions, type OptionSpec } from "../core/options.js";

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
  /**
   * Softmax of the scores before dropout, and the dropout mask (0 or 1 / (1 - p)), when dropout ran in training mode
   * (at rate 0 the mask is all ones).
   */
  weightsBeforeDropout?: Matrix;
  dropoutMask?: Matrix;
}

/** The options attendTo, selfAttention and their batch forms take; multiHeadAttention adds heads. */
export const ATTENTION_OPTIONS = {
  scale: { anyOf: ["boolean", "number"] },
  causal: "boolean",
  mask: MATRIX_KIND,
  dropout: "object",
} as const satisfies OptionSpec;

/** Checks attention options for op, the nested dropout options included. */
export function checkAttentionOptions<T extends AttentionOptions>(op: string, options: T | null | undefined, spec: OptionSpec = ATTENTION_OPTIONS): T {
  const checked = checkOptions(op, options, spec);
  if (checked.dropout !== undefined) checkDropoutOptions(op, checked.dropout, undefined, "dropout option");
  if (checked.mask !== undefined) checkMatrix(op, "mask", checked.mask);
  return checked;
}

/** Throws unless dIn (or any size argument) is a positive whole number. */
export function checkSize(op: string, name: string, n: number): void {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${op}: ${name} must be a positive whole number, got ${typeof n === "number" ? n : describe(n)}`);
  }
}

/** The diagram's simplification, "for simplicity now we use same as input": identity weights, so Q = K = V = X. */
export function sameAsInputWeights(dIn: number): ProjectionWeights {
  const op = "sameAsInputWeights";
  checkSize(op, "dIn", dIn);
  return { wq: identityMatrix(op, dIn), wk: identityMatrix(op, dIn), wv: identityMatrix(op, dIn) };
}

export const PROJECTION_WEIGHTS = {
  wq: MATRIX_KIND,
  wk: MATRIX_KIND,
  wv: MATRIX_KIND,
  bq: MATRIX_OR_NULL_KIND,
  bk: MATRIX_OR_NULL_KIND,
  bv: MATRIX_OR_NULL_KIND,
} as const satisfies OptionSpec;

/** W_Q, W_K, W_V (and W_O, b_O where spec has them) as an object with no unknown names, each a Matrix, each finite. */
export function checkWeightsObject(op: string, weights: ProjectionWeights, spec: OptionSpec = PROJECTION_WEIGHTS): void {
  const projection = `${op} has no output projection: use multiHeadAttention(x, weights, { heads: 1 }) for W_O and b_O`;
  const wording = { what: "weight", hints: { wo: projection, bo: projection } };
  requireOptions(op, weights, spec, "sameAsInputWeights(3) or randomProjections(3, 2)", wording);
  for (const name of ["wq", "wk", "wv"] as const) {
    if (weights[name] === undefined) throw new TypeError(`${op}: ${name} is missing; pass { wq, wk, wv } as matrices`);
    checkMatrix(op, name, weights[name]);
  }
}

export function checkProjectionWeights(op: string, x: Matrix, weights: ProjectionWeights, spec: OptionSpec = PROJECTION_WEIGHTS): void {
  checkMatrix(op, "X", x);
  checkWeightsObject(op, weights, spec);
  for (const name of ["wq", "wk", "wv"] as const) {
    const w = weights[name];
    if (w.rows !== x.cols) {
      throw new RangeError(
        `${op}: ${name} is ${shapeText(w)} but X is ${shapeText(x)}: ${name} needs ${x.cols} rows, one per column of X`,
      );
    }
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

/** Q, K, V that attention can combine: matrices, finite, keys as wide as queries, one value row per key. */
export function checkQKV(op: string, q: Matrix, k: Matrix, v: Matrix): void {
  checkMatrix(op, "Q", q);
  checkMatrix(op, "K", k);
  checkMatrix(op, "V", v);
  if (q.cols !== k.cols) {
    throw new RangeError(`${op}: Q is ${shapeText(q)} and K is ${shapeText(k)}: queries and keys need the same width to be compared`);
  }
  if (k.rows !== v.rows) {
    throw new RangeError(`${op}: K is ${shapeText(k)} and V is ${shapeText(v)}: they need one row per key`);
  }
}

/** The factor scores are multiplied by: 1/sqrt(d_k) for true, 1 for false or absent, else the number itself. */
export function scaleFactor(op: string, scale: boolean | number | undefined, keyWidth: number): number {
  if (scale === true) return 1 / Math.sqrt(keyWidth);
  if (scale === undefined || scale === false) return 1;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`${op}: scale is ${String(scale)}; use true, false or a positive finite number`);
  }
  return scale;
}

// The causal mask, the given mask, or both together; undefined when nothing is masked.
function attentionMask(op: string, options: AttentionOptions, rows: number, cols: number): Matrix | undefined {
  const causal = options.causal ? causalMaskOf(op, rows, cols) : undefined;
  if (options.mask === undefined) return causal;
  if (options.mask.rows !== rows || options.mask.cols !== cols) {
    throw new RangeError(`${op}: mask is ${shapeText(options.mask)} but the scores are ${rows}x${cols}: it needs one entry per score`);
  }
  if (causal === undefined) return options.mask;
  return zip(`${op}: causal mask and mask`, causal, options.mask, (a, b) => Math.max(a, b));
}

/** attendTo for op, inputs and options already checked (checkQKV, checkAttentionOptions). */
export function attend(op: string, q: Matrix, k: Matrix, v: Matrix, options: AttentionOptions): AttentionSteps {
  const kT = transposeOf(op, k);
  const rawScores = multiply(op, q, kT);
  const factor = scaleFactor(op, options.scale, k.cols);
  const scaled = factor === 1 ? rawScores : scaleOf(op, rawScores, factor);
  const mask = attentionMask(op, options, scaled.rows, scaled.cols);
  const scores = mask === undefined ? scaled : maskScores(op, scaled, mask);
  const softmax = softmaxOf(op, scores);
  const dropped = options.dropout === undefined ? { output: softmax, mask: null } : dropoutOf(op, softmax, options.dropout);
  const weights = dropped.output;
  const output = multiply(op, weights, v);
  const steps: AttentionSteps = { q, k, v, kT, scores, weights, output };
  if (mask !== undefined) steps.mask = mask;
  if (dropped.mask !== null) {
    steps.weightsBeforeDropout = softmax;
    steps.dropoutMask = dropped.mask;
  }
  return steps;
}

/**
 * Attention from already projected Q, K, V: scores = Q K^T (/ sqrt(d_k) when scaled, masked when causal),
 * weights = softmax per row (then dropout when on), output = weights V.
 */
export function attendTo(q: Matrix, k: Matrix, v: Matrix, options: AttentionOptions = {}): AttentionSteps {
  checkQKV("attendTo", q, k, v);
  return attend("attendTo", q, k, v, checkAttentionOptions("attendTo", options));
}

/** project for op, weights already checked against X. */
export function projectOf(op: string, x: Matrix, weights: ProjectionWeights): { q: Matrix; k: Matrix; v: Matrix } {
  const { wq, wk, wv, bq = null, bk = null, bv = null } = weights;
  return { q: affineOf(op, x, wq, bq), k: affineOf(op, x, wk, bk), v: affineOf(op, x, wv, bv) };
}

/** Q = X W_Q + b_Q, K = X W_K + b_K, V = X W_V + b_V. */
export function project(x: Matrix, weights: ProjectionWeights): { q: Matrix; k: Matrix; v: Matrix } {
  checkProjectionWeights("project", x, weights);
  return projectOf("project", x, weights);
}

/** selfAttention for op (e.g. selfAttentionBatch): the same steps, errors named after op. */
export function selfAttentionOf(op: string, x: Matrix, weights: ProjectionWeights, options: AttentionOptions | undefined): AttentionSteps {
  checkProjectionWeights(op, x, weights);
  const checked = checkAttentionOptions(op, options);
  const { q, k, v } = projectOf(op, x, weights);
  return attend(op, q, k, v, checked);
}

/** Self-attention of X with projections W_Q, W_K, W_V (and biases, if any), returning every step of the diagram. */
export function selfAttention(x: Matrix, weights: ProjectionWeights, options: AttentionOptions = {}): AttentionSteps {
  return selfAttentionOf("selfAttention", x, weights, options);
}

/** W_QKV = [W_Q | W_K | W_V]: the three projections as one matrix, as the diagram's fused path draws it. */
export function fuseProjections(weights: ProjectionWeights): Matrix {
  const op = "fuseProjections";
  checkWeightsObject(op, weights);
  for (const name of ["bq", "bk", "bv"] as const) {
    if (weights[name]) throw new RangeError(`${op}: ${name} is given, but the fused path has no biases; use selfAttention`);
  }
  return joinColumns(op, [weights.wq, weights.wk, weights.wv]);
}

const WIDTHS = { q: { kind: "integer", min: 1 }, k: { kind: "integer", min: 1 }, v: { kind: "integer", min: 1 } } as const;

/** One matmul X * W_QKV, split into Q, K, V: the same numbers as three separate projections, in one pass over X. */
export function fusedProjection(
  x: Matrix,
  wqkv: Matrix,
  widths: { q: number; k: number; v: number },
): { qkv: Matrix; q: Matrix; k: Matrix; v: Matrix } {
  const op = "fusedProjection";
  checkMatrix(op, "X", x);
  checkMatrix(op, "wqkv", wqkv);
  requireOptions(op, widths, WIDTHS, "{ q: 2, k: 2, v: 2 }", { what: "width" });
  for (const name of ["q", "k", "v"] as const) {
    if (widths[name] === undefined) throw new TypeError(`${op}: width ${name} is missing; pass { q, k, v }, e.g. { q: 2, k: 2, v: 2 }`);
  }
  if (widths.q + widths.k + widths.v !== wqkv.cols) {
    throw new RangeError(
      `${op}: wqkv is ${shapeText(wqkv)} but the widths ${widths.q} + ${widths.k} + ${widths.v} sum to ${widths.q + widths.k + widths.v}`,
    );
  }
  checkMatmulInputs(op, x, wqkv, ["X", "wqkv"]);
  const qkv = multiply(op, x, wqkv);
  return {
    qkv,
    q: columnsOf(op, qkv, 0, widths.q),
    k: columnsOf(op, qkv, widths.q, widths.q + widths.k),
    v: columnsOf(op, qkv, widths.q + widths.k, wqkv.cols),
  };
}
