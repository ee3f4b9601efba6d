// LayerNorm over each row of C values: subtract the mean, divide by the standard deviation, then scale and shift.
import { useWasm, wasmLayerNormBackward, wasmLayerNormForward } from "../../kernels/wasmGpt.js";
import type { Float } from "../parameters.js";

export const LAYER_NORM_EPS = 1e-5;

/** out (N, C) = (inp - mean) * rstd * weight + bias, row by row; keeps mean and rstd = 1 / sqrt(var + eps) (N each) for backward. */
export function layerNormForward(out: Float, mean: Float, rstd: Float, inp: Float, weight: Float, bias: Float | null, N: number, C: number): void {
  if (useWasm(inp)) { // float32: the same steps in WebAssembly SIMD
    wasmLayerNormForward(out as Float32Array, mean as Float32Array, rstd as Float32Array, inp, weight as Float32Array, bias as Float32Array | null, N, C, LAYER_NORM_EPS);
    return;
  }
  for (let i = 0; i < N; i++) {
    const o = i * C;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += inp[o + c];
    const m = sum / C;
    let squares = 0;
    for (let c = 0; c < C; c++) {
      const d = inp[o + c] - m;
      squares += d * d;
    }
    const s = 1 / Math.sqrt(squares / C + LAYER_NORM_EPS); // biased variance, as PyTorch
    for (let c = 0; c < C; c++) out[o + c] = (inp[o + c] - m) * s * weight[c] + (bias === null ? 0 : bias[c]);
    mean[i] = m;
    rstd[i] = s;
  }
}

/**
 * With n = (x - mean) * rstd and g = dout * weight: the mean and the deviation both depend on every x of the row,
 * so dx = rstd * (g - mean(g) - n * mean(g * n)). dweight += dout * n and dbias += dout (summed over rows).
 * Writes dinp.
 */
export function layerNormBackward(
  dinp: Float, dweight: Float, dbias: Float | null, dout: Float, inp: Float, weight: Float, mean: Float, rstd: Float, N: number, C: number,
): void {
  if (useWasm(inp)) {
    const f32 = (x: Float): Float32Array => x as Float32Array;
    wasmLayerNormBackward(f32(dinp), f32(dweight), dbias as Float32Array | null, f32(dout), inp, f32(weight), f32(mean), f32(rstd), N, C);
    return;
  }
  for (let i = 0; i < N; i++) {
    const o = i * C, m = mean[i], s = rstd[i];
    let meanG = 0, meanGN = 0;
    for (let c = 0; c < C; c++) {
      const n = (inp[o + c] - m) * s;
      const g = dout[o + c] * weight[c];
      meanG += g;
      meanGN += g * n;
    }
    meanG /= C;
    meanGN /= C;
    for (let c = 0; c < C; c++) {
      const n = (inp[o + c] - m) * s;
      dinp[o + c] = s * (dout[o + c] * weight[c] - meanG - n * meanGN);
      dweight[c] += dout[o + c] * n;
      if (dbias !== null) dbias[c] += dout[o + c];
    }
  }
}
