// Where W_Q, W_K, W_V come from once they are no longer "same as input": drawn the way PyTorch tutorials draw them.
import type { ProjectionWeights } from "./attention.js";
import { asProjection, linearLayer, type LinearLayer } from "./linear.js";
import { Generator, defaultGenerator, rand } from "./random.js";

/** W_Q, W_K, W_V as three torch.rand(dIn, dOut) in that order: uniform in [0, 1), already d_in x d_out. */
export function randomProjections(dIn: number, dOut: number, options: { generator?: Generator } = {}): ProjectionWeights {
  const { generator = defaultGenerator } = options;
  return {
    wq: rand(dIn, dOut, { generator }),
    wk: rand(dIn, dOut, { generator }),
    wv: rand(dIn, dOut, { generator }),
  };
}

/** Projections from three nn.Linear-like layers: each weight transposed to d_in x d_out, each bias kept. */
export function projectionsFromLayers(layers: { query: LinearLayer; key: LinearLayer; value: LinearLayer }): ProjectionWeights {
  const q = asProjection(layers.query);
  const k = asProjection(layers.key);
  const v = asProjection(layers.value);
  return { wq: q.w, wk: k.w, wv: v.w, bq: q.bias, bk: k.bias, bv: v.bias };
}

/**
 * W_Q, W_K, W_V as three nn.Linear(dIn, dOut, bias) drawn in the order query, key, value,
 * the way attention modules declare them; bias is off by default (qkv_bias=False).
 */
export function linearProjections(
  dIn: number,
  dOut: number,
  options: { bias?: boolean; generator?: Generator } = {},
): ProjectionWeights {
  const { bias = false, generator = defaultGenerator } = options;
  const query = linearLayer(dIn, dOut, { bias, generator });
  const key = linearLayer(dIn, dOut, { bias, generator });
  const value = linearLayer(dIn, dOut, { bias, generator });
  return projectionsFromLayers({ query, key, value });
}
