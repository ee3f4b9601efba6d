// Multi-head attention: one projection of width d_out, split by columns into heads that attend on their own.
import { Matrix, assertFinite, shapeText } from "./matrix.js";
import { concatColumns, sliceColumns } from "./ops.js";
import { attendTo, checkProjectionWeights, project, type AttentionOptions, type AttentionSteps, type ProjectionWeights } from "./attention.js";
import { affine, asProjection, checkBias, linearLayer } from "./linear.js";
import { linearProjections } from "./projections.js";
import { Generator, defaultGenerator } from "./random.js";

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

function checkHeads(x: Matrix, weights: MultiHeadWeights, heads: number): number {
  const op = "multiHeadAttention";
  checkProjectionWeights(op, x, weights);
  const width = weights.wq.cols;
  if (weights.wv.cols !== width) {
    throw new RangeError(`${op}: wv is ${shapeText(weights.wv)} but wq is ${shapeText(weights.wq)}: values need the width of queries, ${width}`);
  }
  if (!Number.isInteger(heads) || heads < 1) throw new RangeError(`${op}: heads is ${heads}; it must be a positive integer`);
  if (width % heads !== 0) throw new RangeError(`${op}: ${heads} heads do not divide width ${width}`);
  if (weights.wo !== undefined) {
    if (!(weights.wo instanceof Matrix) || weights.wo.rows !== width) {
      const got = weights.wo instanceof Matrix ? shapeText(weights.wo) : String(weights.wo);
      throw new RangeError(`${op}: wo is ${got} but needs ${width} rows, one per column of the heads' context`);
    }
    assertFinite(op, "wo", weights.wo);
    checkBias(op, "bo", weights.bo, weights.wo.cols);
  } else if (weights.bo) {
    throw new RangeError(`${op}: bo is given without wo; the output bias belongs to the output projection`);
  }
  return width / heads;
}

/**
 * Multi-head self-attention of X: Q, K, V = X W (+ b) once, then head h attends with columns
 * [h * headDim, (h + 1) * headDim) of each; outputs are joined side by side and projected by W_O.
 * Scaling by sqrt(headDim) is on by default here (scale: false turns it off); causal, mask and dropout apply per head.
 * With one head and no (or an identity) output projection it is selfAttention.
 */
export function multiHeadAttention(x: Matrix, weights: MultiHeadWeights, options: MultiHeadOptions): MultiHeadSteps {
  const { heads: count, scale = true, ...rest } = options;
  const headDim = checkHeads(x, weights, count);
  const { q, k, v } = project(x, weights);
  const { wo, bo = null } = weights;
  const columns = (m: Matrix, h: number) => sliceColumns(m, h * headDim, (h + 1) * headDim);
  // Heads run in order, so dropout draws match PyTorch's (heads, tokens, tokens) layout.
  const heads = Array.from({ length: count }, (_, h) => attendTo(columns(q, h), columns(k, h), columns(v, h), { ...rest, scale }));
  const context = concatColumns(heads.map((head) => head.output));
  const output = wo === undefined ? context : affine(context, wo, bo);
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
  const { qkvBias = false, outBias = true, generator = defaultGenerator } = options;
  const projections = linearProjections(dIn, dOut, { bias: qkvBias, generator });
  const out = asProjection(linearLayer(dOut, dOut, { bias: outBias, generator }));
  return { ...projections, wo: out.w, bo: out.bias };
}
