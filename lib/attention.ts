// Self-attention, one step of the diagram at a time, every intermediate kept for the notebooks.
import { Matrix, assertFinite, shapeText } from "./matrix.js";
import { matmul } from "./matmul.js";
import { concatColumns, scale, sliceColumns, transpose } from "./ops.js";
import { softmaxRows } from "./softmax.js";

/** W_Q, W_K, W_V: each d_in x d_out, applied as X * W. */
export interface ProjectionWeights {
  wq: Matrix;
  wk: Matrix;
  wv: Matrix;
}

export interface AttentionOptions {
  /** Divide scores by sqrt(d_k) before softmax (off in the diagram, on in real transformers). */
  scale?: boolean;
}

/** Every box of the diagram, in order. */
export interface AttentionSteps {
  q: Matrix;
  k: Matrix;
  v: Matrix;
  kT: Matrix;
  scores: Matrix;
  weights: Matrix;
  output: Matrix;
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
}

/** Attention from already projected Q, K, V: scores = Q K^T, weights = softmax per row, output = weights V. */
export function attendTo(q: Matrix, k: Matrix, v: Matrix, options: AttentionOptions = {}): AttentionSteps {
  const kT = transpose(k);
  const rawScores = matmul(q, kT);
  const scores = options.scale ? scale(rawScores, 1 / Math.sqrt(k.cols)) : rawScores;
  const weights = softmaxRows(scores);
  const output = matmul(weights, v);
  return { q, k, v, kT, scores, weights, output };
}

/** Self-attention of X with projections W_Q, W_K, W_V, returning every step of the diagram. */
export function selfAttention(x: Matrix, weights: ProjectionWeights, options: AttentionOptions = {}): AttentionSteps {
  checkProjectionWeights("selfAttention", x, weights);
  return attendTo(matmul(x, weights.wq), matmul(x, weights.wk), matmul(x, weights.wv), options);
}

/** W_QKV = [W_Q | W_K | W_V]: the three projections as one matrix, as the diagram's fused path draws it. */
export function fuseProjections(weights: ProjectionWeights): Matrix {
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
