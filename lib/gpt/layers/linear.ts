// nn.Linear: out = inp W^T + b, with W stored (out, in) as PyTorch does; W^T is read in place by gemm.
import { gemm } from "../../kernels/gemm.js";
import type { Float } from "../parameters.js";

/** out (N, OC) = inp (N, C) weight^T (weight is OC x C) + bias. */
export function linearForward(out: Float, inp: Float, weight: Float, bias: Float | null, N: number, C: number, OC: number): void {
  gemm(out, inp, weight, N, C, OC, { transposeB: true });
  if (bias === null) return;
  for (let i = 0; i < N; i++) for (let o = 0; o < OC; o++) out[i * OC + o] += bias[o];
}

/**
 * out = inp W^T + b, so: dinp = dout W (N x OC times OC x C), written; dW += dout^T inp (OC x N times N x C);
 * db += the column sums of dout (every row added the same b). dinp may be null when nothing needs it.
 */
export function linearBackward(
  dinp: Float | null, dweight: Float, dbias: Float | null, dout: Float, inp: Float, weight: Float, N: number, C: number, OC: number,
): void {
  if (dinp !== null) gemm(dinp, dout, weight, N, OC, C);
  gemm(dweight, dout, inp, OC, N, C, { transposeA: true, accumulate: true });
  if (dbias === null) return;
  for (let i = 0; i < N; i++) for (let o = 0; o < OC; o++) dbias[o] += dout[i * OC + o];
}
