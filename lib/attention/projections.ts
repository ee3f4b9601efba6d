// Where W_Q, W_K, W_V come from once they are no longer "same as input": drawn the way PyTorch tutorials draw them.
import { checkSize, type ProjectionWeights } from "./attention.js";
import { checkLayer, drawLinearLayer, type LinearLayer } from "./linear.js";
import { transposeOf } from "../core/ops.js";
import { checkOptions, describe } from "../core/options.js";
import { GENERATOR_OPTION, SEED_HINT, Generator, uniformMatrix } from "../core/random.js";

/** W_Q, W_K, W_V as three torch.rand(dIn, dOut) in that order: uniform in [0, 1), already d_in x d_out. */
export function randomProjections(dIn: number, dOut: number, options: { generator?: Generator } = {}): ProjectionWeights {
  const op = "randomProjections";
  const { generator } = checkOptions(op, options, GENERATOR_OPTION, SEED_HINT);
  checkSize(op, "dIn", dIn);
  checkSize(op, "dOut", dOut);
  return {
    wq: uniformMatrix(op, dIn, dOut, 0, 1, generator),
    wk: uniformMatrix(op, dIn, dOut, 0, 1, generator),
    wv: uniformMatrix(op, dIn, dOut, 0, 1, generator),
  };
}

function fromLayers(op: string, layers: { query: LinearLayer; key: LinearLayer; value: LinearLayer }): ProjectionWeights {
  const [q, k, v] = [layers.query, layers.key, layers.value];
  return { wq: transposeOf(op, q.weight), wk: transposeOf(op, k.weight), wv: transposeOf(op, v.weight), bq: q.bias, bk: k.bias, bv: v.bias };
}

/** Projections from three nn.Linear-like layers: each weight transposed to d_in x d_out, each bias kept. */
export function projectionsFromLayers(layers: { query: LinearLayer; key: LinearLayer; value: LinearLayer }): ProjectionWeights {
  const op = "projectionsFromLayers";
  if (typeof layers !== "object" || layers === null) {
    throw new TypeError(`${op}: expected { query, key, value }, three layers such as linearLayer(3, 2) gives, got ${describe(layers)}`);
  }
  checkOptions(op, layers, { query: "object", key: "object", value: "object" }, { what: "layer" });
  for (const name of ["query", "key", "value"] as const) checkLayer(op, name, layers[name]);
  return fromLayers(op, layers);
}

/** Three nn.Linear(dIn, dOut, bias) for op, drawn query, key, value, as projections. */
export function drawProjections(op: string, dIn: number, dOut: number, bias: boolean, generator: Generator | undefined): ProjectionWeights {
  const query = drawLinearLayer(op, dIn, dOut, bias, generator);
  const key = drawLinearLayer(op, dIn, dOut, bias, generator);
  const value = drawLinearLayer(op, dIn, dOut, bias, generator);
  return fromLayers(op, { query, key, value });
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
  const { bias = false, generator } = checkOptions("linearProjections", options, { bias: "boolean", ...GENERATOR_OPTION }, SEED_HINT);
  return drawProjections("linearProjections", dIn, dOut, bias, generator);
}
