// Multi-head attention: one projection of width d_out, split by columns into heads that attend on their own.
import { MATRIX_KIND, MATRIX_OR_NULL_KIND, checkMatrix, shapeText, type Matrix } from "../core/matrix.js";
import { columnsOf, joinColumns, transposeOf } from "../core/ops.js";
import {
  ATTENTION_OPTIONS,
  PROJECTION_WEIGHTS,
  attend,
  checkAttentionOptions,
  checkProjectionWeights,
  checkSize,
  projectOf,
  type AttentionOptions,
  type AttentionSteps,
  type ProjectionWeights,
} from "./attention.js";
import { affineOf, checkBias, drawLinearLayer } from "./linear.js";
import { drawProjections } from "./projections.js";
import { checkOptions, requireOptions } from "../core/options.js";
import { GENERATOR_OPTION, SEED_HINT, Generator } from "../core/random.js";

/** W_Q, W_K, W_V of width d_out = heads * headDim, and the output projection W_O (d_out x d_out) with bias b_O. */
export interface MultiHeadWeights extends ProjectionWeights {
  /** The output projection, d_out x d_out in X * W form; absent means no output projection. */
  wo?: Matrix;
  bo?: Matrix | null;
}

export interface MultiHeadOptions extends AttentionOptions {
  /** How many heads share the width d_out; each gets d_out / heads columns. */
  heads: number;
}

export interface MultiHeadSteps {
  /** The full projections, n x d_out, before the split. */
  q: Matrix;
  k: Matrix;
  v: Matrix;
  /** Each head's attention on its columns: its q, k, v, scores, weights (for side-by-side heatmaps) and output. */
  heads: AttentionSteps[];
  /** The heads' outputs side by side, n x d_out. */
  context: Matrix;
  /** context W_O + b_O, or the context itself without an output projection. */
  output: Matrix;
}

const MULTI_HEAD_WEIGHTS = {
  ...PROJECTION_WEIGHTS,
  wo: MATRIX_KIND,
  bo: MATRIX_OR_NULL_KIND,
} as const;

const MULTI_HEAD_OPTIONS = { heads: "integer", ...ATTENTION_OPTIONS } as const;

function checkHeads(op: string, x: Matrix, weights: MultiHeadWeights, heads: number): number {
  checkProjectionWeights(op, x, weights, MULTI_HEAD_WEIGHTS);
  const width = weights.wq.cols;
  if (weights.wv.cols !== width) {
    throw new RangeError(`${op}: wv is ${shapeText(weights.wv)} but wq is ${shapeText(weights.wq)}: values need the width of queries, ${width}`);
  }
  if (heads === undefined) throw new TypeError(`${op}: option heads is required, e.g. { heads: 2 }`);
  if (heads < 1) throw new RangeError(`${op}: heads is ${heads}; it must be a positive integer`);
  if (width % heads !== 0) throw new RangeError(`${op}: ${heads} heads do not divide width ${width}`);
  if (weights.wo !== undefined) {
    checkMatrix(op, "wo", weights.wo);
    if (weights.wo.rows !== width) {
      throw new RangeError(`${op}: wo is ${shapeText(weights.wo)} but needs ${width} rows, one per column of the heads' context`);
    }
    checkBias(op, "bo", weights.bo, weights.wo.cols);
  } else if (weights.bo) {
    throw new RangeError(`${op}: bo is given without wo; the output bias belongs to the output projection`);
  }
  return width / heads;
}

/**
 * Multi-head self-attention of X: Q, K, V = X W (+ b) once, then head h attends with columns
 * [h * headDim, (h + 1) * headDim) of each; outputs are joined side by side and projected by W_O.
 * Dividing the scores by sqrt(headDim) is on by default here (scale: false turns it off); causal, mask and dropout apply per head.
 * With one head and no (or an identity) output projection it is selfAttention.
 */
export function multiHeadAttention(x: Matrix, weights: MultiHeadWeights, options: MultiHeadOptions): MultiHeadSteps {
  return multiHeadAttentionOf("multiHeadAttention", x, weights, options);
}

/** multiHeadAttention for op (e.g. multiHeadAttentionBatch): the same steps, errors named after op. */
export function multiHeadAttentionOf(op: string, x: Matrix, weights: MultiHeadWeights, options: MultiHeadOptions): MultiHeadSteps {
  checkMatrix(op, "X", x);
  requireOptions(op, options, MULTI_HEAD_OPTIONS, "{ heads: 2 }");
  const { heads: count, scale = true, ...rest } = checkAttentionOptions(op, options, MULTI_HEAD_OPTIONS);
  const headDim = checkHeads(op, x, weights, count);
  const { q, k, v } = projectOf(op, x, weights);
  const { wo, bo = null } = weights;
  const columns = (m: Matrix, h: number) => columnsOf(op, m, h * headDim, (h + 1) * headDim);
  // Heads run in order, so dropout draws match PyTorch's (heads, tokens, tokens) layout.
  const heads = Array.from({ length: count }, (_, h) => attend(op, columns(q, h), columns(k, h), columns(v, h), { ...rest, scale }));
  const context = joinColumns(op, heads.map((head) => head.output));
  const output = wo === undefined ? context : affineOf(op, context, wo, bo);
  return { q, k, v, heads, context, output };
}

/**
 * Fresh weights drawn as a PyTorch multi-head attention module declares them:
 * nn.Linear(dIn, dOut, qkvBias) for query, key and value, then nn.Linear(dOut, dOut) for the output projection.
 */
export function multiHeadWeights(
  dIn: number,
  dOut: number,
  options: { qkvBias?: boolean; outBias?: boolean; generator?: Generator } = {},
): MultiHeadWeights {
  const op = "multiHeadWeights";
  const { qkvBias = false, outBias = true, generator } = checkOptions(op, options, { qkvBias: "boolean", outBias: "boolean", ...GENERATOR_OPTION }, SEED_HINT);
  checkSize(op, "dIn", dIn);
  checkSize(op, "dOut", dOut);
  const projections = drawProjections(op, dIn, dOut, qkvBias, generator);
  const out = drawLinearLayer(op, dOut, dOut, outBias, generator);
  return { ...projections, wo: transposeOf(op, out.weight), bo: out.bias };
}
