// A linear layer as PyTorch's nn.Linear builds it: weight (out x in), bias (1 x out), y = x W^T + b.
import { Matrix, assertFinite, shapeText } from "./matrix.js";
import { matmul } from "./matmul.js";
import { transpose } from "./ops.js";
import { Generator, defaultGenerator, uniform } from "./random.js";

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
  if (!Number.isInteger(inFeatures) || !Number.isInteger(outFeatures) || inFeatures < 1 || outFeatures < 1) {
    throw new RangeError(`${op}: features must be positive integers, got in ${inFeatures} and out ${outFeatures}`);
  }
}

/**
 * A fresh layer drawn exactly as torch.manual_seed(s); nn.Linear(inFeatures, outFeatures) draws it:
 * first the weight, row by row in its (out, in) layout, by kaiming_uniform_(a = sqrt(5)):
 * gain = sqrt(2 / (1 + a^2)), bound = sqrt(3) * gain / sqrt(in), which is 1 / sqrt(in);
 * then the bias, uniform in +-1 / sqrt(in). Both via uniform_ on float32 (see Generator.uniform).
 */
export function linearLayer(inFeatures: number, outFeatures: number, options: LinearOptions = {}): LinearLayer {
  checkFeatures("linearLayer", inFeatures, outFeatures);
  const { bias = true, generator = defaultGenerator } = options;
  // The same double arithmetic as PyTorch's Python code, so the float32 bound rounds the same way.
  const gain = Math.sqrt(2 / (1 + Math.sqrt(5) ** 2));
  const weightBound = Math.sqrt(3) * (gain / Math.sqrt(inFeatures));
  const weight = uniform(outFeatures, inFeatures, -weightBound, weightBound, { generator });
  const biasBound = 1 / Math.sqrt(inFeatures);
  return { weight, bias: bias ? uniform(1, outFeatures, -biasBound, biasBound, { generator }) : null };
}

/** Throws unless bias is a finite 1 x width row (or absent). */
export function checkBias(op: string, name: string, bias: Matrix | null | undefined, width: number): void {
  if (bias === null || bias === undefined) return;
  if (!(bias instanceof Matrix) || bias.rows !== 1 || bias.cols !== width) {
    const got = bias instanceof Matrix ? shapeText(bias) : String(bias);
    throw new RangeError(`${op}: ${name} is ${got} but must be 1x${width}, one value per output column`);
  }
  assertFinite(op, name, bias);
}

/** X W + b in the lib's convention (W is d_in x d_out): b, a 1 x d_out row, is added to every row. */
export function affine(x: Matrix, w: Matrix, bias: Matrix | null = null): Matrix {
  const y = matmul(x, w);
  if (bias === null) return y;
  checkBias("affine", "bias", bias, y.cols);
  for (let i = 0; i < y.rows; i++) {
    for (let j = 0; j < y.cols; j++) y.data[i * y.cols + j] += bias.data[j];
  }
  return y;
}

/** nn.Linear's forward: x W^T + b, with x of shape n x inFeatures. */
export function linearForward(x: Matrix, layer: LinearLayer): Matrix {
  const { weight, bias } = layer;
  if (!(weight instanceof Matrix)) throw new TypeError("linearForward: layer.weight is missing; pass { weight, bias }");
  if (x.cols !== weight.cols) {
    throw new RangeError(
      `linearForward: X is ${shapeText(x)} but weight is ${shapeText(weight)} (out x in): X needs ${weight.cols} columns, one per input feature`,
    );
  }
  assertFinite("linearForward", "X", x);
  assertFinite("linearForward", "weight", weight);
  checkBias("linearForward", "bias", bias, weight.rows);
  return affine(x, transpose(weight), bias);
}

/** The layer's weight as the lib's d_in x d_out projection W (that is, weight transposed), and its bias. */
export function asProjection(layer: LinearLayer): { w: Matrix; bias: Matrix | null } {
  return { w: transpose(layer.weight), bias: layer.bias };
}
