// A linear layer as PyTorch's nn.Linear builds it: weight (out x in), bias (1 x out), y = x W^T + b.
import { MATRIX_KIND, MATRIX_OR_NULL_KIND, Matrix, checkMatrix, checkResult, shapeText } from "../core/matrix.js";
import { checkMatmulInputs, multiply } from "../core/matmul.js";
import { transposeOf } from "../core/ops.js";
import { checkOptions, describe } from "../core/options.js";
import { GENERATOR_OPTION, SEED_HINT, Generator, uniformMatrix } from "../core/random.js";

export interface LinearLayer {
  /** outFeatures x inFeatures, PyTorch's layout. */
  weight: Matrix;
  /** 1 x outFeatures, or null for bias: false. */
  bias: Matrix | null;
}

export interface LinearOptions {
  /** Add a learnable bias (default true, as nn.Linear). */
  bias?: boolean;
  generator?: Generator;
}

function checkFeatures(op: string, inFeatures: number, outFeatures: number): void {
  if (!Number.isSafeInteger(inFeatures) || !Number.isSafeInteger(outFeatures) || inFeatures < 1 || outFeatures < 1) {
    throw new RangeError(`${op}: features must be positive integers, got in ${String(inFeatures)} and out ${String(outFeatures)}`);
  }
}

/** linearLayer for op (e.g. multiHeadWeights): the same draws, errors named after op. */
export function drawLinearLayer(op: string, inFeatures: number, outFeatures: number, bias: boolean, generator: Generator | undefined): LinearLayer {
  checkFeatures(op, inFeatures, outFeatures);
  // The same double arithmetic as PyTorch's Python code, so the float32 bound rounds the same way.
  const gain = Math.sqrt(2 / (1 + Math.sqrt(5) ** 2));
  const weightBound = Math.sqrt(3) * (gain / Math.sqrt(inFeatures));
  const weight = uniformMatrix(op, outFeatures, inFeatures, -weightBound, weightBound, generator);
  const biasBound = 1 / Math.sqrt(inFeatures);
  return { weight, bias: bias ? uniformMatrix(op, 1, outFeatures, -biasBound, biasBound, generator) : null };
}

/**
 * A fresh layer drawn exactly as torch.manual_seed(s); nn.Linear(inFeatures, outFeatures) draws it:
 * first the weight, row by row in its (out, in) layout, by kaiming_uniform_(a = sqrt(5)):
 * gain = sqrt(2 / (1 + a^2)), bound = sqrt(3) * gain / sqrt(in), which is 1 / sqrt(in);
 * then the bias, uniform in +-1 / sqrt(in). Both via uniform_ on float32 (see Generator.uniform).
 */
export function linearLayer(inFeatures: number, outFeatures: number, options: LinearOptions = {}): LinearLayer {
  const { bias = true, generator } = checkOptions("linearLayer", options, { bias: "boolean", ...GENERATOR_OPTION }, SEED_HINT);
  return drawLinearLayer("linearLayer", inFeatures, outFeatures, bias, generator);
}

/** Throws unless bias is a finite 1 x width row (or absent). */
export function checkBias(op: string, name: string, bias: Matrix | null | undefined, width: number): void {
  if (bias === null || bias === undefined) return;
  if (!(bias instanceof Matrix) || bias.rows !== 1 || bias.cols !== width) {
    const got = bias instanceof Matrix ? shapeText(bias) : describe(bias);
    throw new RangeError(`${op}: ${name} is ${got} but must be 1x${width}, one value per output column`);
  }
  checkMatrix(op, name, bias);
}

/** X W + b for op, from inputs already checked: b is added to every row and the sum is checked for overflow. */
export function affineOf(op: string, x: Matrix, w: Matrix, bias: Matrix | null): Matrix {
  const y = multiply(op, x, w);
  if (bias === null) return y;
  for (let i = 0; i < y.rows; i++) {
    for (let j = 0; j < y.cols; j++) y.data[i * y.cols + j] += bias.data[j];
  }
  return checkResult(op, "X W + b", y);
}

/** X W + b in the lib's convention (W is d_in x d_out): b, a 1 x d_out row, is added to every row. */
export function affine(x: Matrix, w: Matrix, bias: Matrix | null = null): Matrix {
  checkMatmulInputs("affine", x, w, ["X", "W"]);
  checkBias("affine", "bias", bias, w.cols);
  return affineOf("affine", x, w, bias ?? null);
}

/** Throws unless layer is { weight, bias } with a Matrix weight. */
export function checkLayer(op: string, name: string, layer: LinearLayer): void {
  if (typeof layer !== "object" || layer === null || Array.isArray(layer)) {
    throw new TypeError(`${op}: ${name} must be a layer { weight, bias } such as linearLayer(3, 2) gives, got ${describe(layer)}`);
  }
  checkOptions(op, layer, { weight: MATRIX_KIND, bias: MATRIX_OR_NULL_KIND }, { what: `${name} field` });
  checkMatrix(op, `${name}.weight`, layer.weight);
  checkBias(op, `${name}.bias`, layer.bias, layer.weight.rows);
}

/** nn.Linear's forward: x W^T + b, with x of shape n x inFeatures. */
export function linearForward(x: Matrix, layer: LinearLayer): Matrix {
  const op = "linearForward";
  checkMatrix(op, "X", x);
  checkLayer(op, "layer", layer);
  const { weight, bias } = layer;
  if (x.cols !== weight.cols) {
    throw new RangeError(
      `${op}: X is ${shapeText(x)} but weight is ${shapeText(weight)} (out x in): X needs ${weight.cols} columns, one per input feature`,
    );
  }
  return affineOf(op, x, transposeOf(op, weight), bias ?? null);
}

/** The layer's weight as the lib's d_in x d_out projection W (that is, weight transposed), and its bias. */
export function asProjection(layer: LinearLayer): { w: Matrix; bias: Matrix | null } {
  checkLayer("asProjection", "layer", layer);
  return { w: transposeOf("asProjection", layer.weight), bias: layer.bias ?? null };
}
