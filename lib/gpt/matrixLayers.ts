// The GPT's layers on matrices (one row per token), for notebooks and for reading one layer at a time. Each calls
// its file in lib/gpt/layers/, so the numbers are the ones the model computes; results keep the input's dtype.
import { Matrix, checkMatrix, checkResult, shapeText, type DType } from "../core/matrix.js";
import { onBehalfOf } from "../core/errors.js";
import { checkOptions } from "../core/options.js";
import type { Float } from "./parameters.js";
import { crossEntropyBackward as crossEntropyBackwardFlat, crossEntropyForward } from "./layers/crossEntropy.js";
import { geluBackward as geluBackwardFlat, geluForward } from "./layers/gelu.js";
import { layerNormBackward as layerNormBackwardFlat, layerNormForward } from "./layers/layerNorm.js";

/** A LayerNorm's learned gain and shift, one value per column (default 1 and 0, nanoGPT's init). */
export interface LayerNormWeights {
  weight?: ArrayLike<number>;
  bias?: ArrayLike<number>;
}

function floats(dtype: DType, n: number): Float {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

function perColumn(op: string, name: string, values: ArrayLike<number> | undefined, C: number, dtype: DType, fill: number): Float {
  const out = floats(dtype, C).fill(fill);
  if (values === undefined) return out;
  if (values.length !== C) throw new RangeError(`${op}: ${name} has ${values.length} values for ${C} columns`);
  for (let c = 0; c < C; c++) {
    if (!Number.isFinite(values[c])) throw new RangeError(`${op}: ${name}[${c}] is ${values[c]}`);
    out[c] = values[c];
  }
  return out;
}

function checkSame(op: string, a: Matrix, aName: string, b: Matrix, bName: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new RangeError(`${op}: ${aName} is ${shapeText(a)} but ${bName} is ${shapeText(b)}`);
}

/** Each row minus its mean, divided by its standard deviation (eps 1e-5), times weight plus bias. */
export function layerNorm(x: Matrix, weights: LayerNormWeights = {}): Matrix {
  checkMatrix("layerNorm", "x", x);
  checkOptions("layerNorm", weights, { weight: "object", bias: "object" });
  const { rows: N, cols: C, dtype } = x;
  const out = new Matrix(N, C, floats(dtype, N * C));
  const weight = perColumn("layerNorm", "weight", weights?.weight, C, dtype, 1);
  const bias = perColumn("layerNorm", "bias", weights?.bias, C, dtype, 0);
  layerNormForward(out.data, floats(dtype, N), floats(dtype, N), x.data, weight, bias, N, C);
  return out;
}

/** The gradients of a LayerNorm from dout, the gradient of its output (lib/gpt/layers/layerNorm.ts holds the chain rule). */
export function layerNormBackward(dout: Matrix, x: Matrix, weights: { weight?: ArrayLike<number> } = {}): { dx: Matrix; dweight: number[]; dbias: number[] } {
  const op = "layerNormBackward";
  checkMatrix(op, "dout", dout);
  checkMatrix(op, "x", x);
  checkSame(op, dout, "dout", x, "x");
  checkOptions(op, weights, { weight: "object" });
  const { rows: N, cols: C, dtype } = x;
  const weight = perColumn(op, "weight", weights?.weight, C, dtype, 1);
  const mean = floats(dtype, N), rstd = floats(dtype, N);
  layerNormForward(floats(dtype, N * C), mean, rstd, x.data, weight, null, N, C); // the statistics backward needs
  const dx = new Matrix(N, C, floats(dtype, N * C));
  const dweight = floats(dtype, C), dbias = floats(dtype, C);
  layerNormBackwardFlat(dx.data, dweight, dbias, dout.astype(dtype).data, x.data, weight, mean, rstd, N, C);
  return { dx, dweight: Array.from(dweight), dbias: Array.from(dbias) };
}

/** GELU (tanh approximation, as GPT-2) of every value. */
export function gelu(x: Matrix): Matrix {
  checkMatrix("gelu", "x", x);
  const n = x.data.length;
  const out = new Matrix(x.rows, x.cols, floats(x.dtype, n));
  geluForward(out.data, floats(x.dtype, n), x.data, n);
  return out;
}

/** dout times GELU's slope at x, value by value. */
export function geluBackward(dout: Matrix, x: Matrix): Matrix {
  const op = "geluBackward";
  checkMatrix(op, "dout", dout);
  checkMatrix(op, "x", x);
  checkSame(op, dout, "dout", x, "x");
  const n = x.data.length;
  const tanhU = floats(x.dtype, n);
  geluForward(floats(x.dtype, n), tanhU, x.data, n);
  const dx = new Matrix(x.rows, x.cols, floats(x.dtype, n));
  geluBackwardFlat(dx.data, dout.astype(x.dtype).data, x.data, tanhU, n);
  return checkResult(op, "dx", dx);
}

function checkTargets(op: string, targets: readonly number[], logits: Matrix): void {
  if (!Array.isArray(targets) || targets.length !== logits.rows) {
    throw new RangeError(`${op}: ${Array.isArray(targets) ? targets.length : "no"} targets for ${logits.rows} rows of logits`);
  }
  targets.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= logits.cols) throw new RangeError(`${op}: target ${t} of row ${i} is outside [0, ${logits.cols})`);
  });
}

/** The mean over rows of -log softmax(row)[target], and the softmax probabilities. */
export function crossEntropy(logits: Matrix, targets: readonly number[]): { loss: number; probabilities: Matrix } {
  checkMatrix("crossEntropy", "logits", logits);
  checkTargets("crossEntropy", targets, logits);
  const probabilities = new Matrix(logits.rows, logits.cols, floats(logits.dtype, logits.data.length));
  const loss = crossEntropyForward(probabilities.data, logits.data, targets, logits.rows, logits.cols);
  return { loss, probabilities };
}

/** The gradient of crossEntropy's mean loss with respect to the logits: (probabilities - onehot(target)) / rows. */
export function crossEntropyBackward(logits: Matrix, targets: readonly number[]): Matrix {
  const { probabilities } = onBehalfOf("crossEntropyBackward", () => crossEntropy(logits, targets));
  const dlogits = new Matrix(logits.rows, logits.cols, floats(logits.dtype, logits.data.length));
  crossEntropyBackwardFlat(dlogits.data, probabilities.data, targets, logits.rows, logits.cols);
  return dlogits;
}
