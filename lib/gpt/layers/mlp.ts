// The MLP of a block, nanoGPT's: c_proj(GELU(c_fc(x))), C -> 4C -> C. Also each expert of a mixture of experts.
import type { Float } from "../parameters.js";
import { geluBackward, geluForward } from "./gelu.js";
import { linearBackward, linearForward } from "./linear.js";

/** c_fc (4C, C) and c_proj (C, 4C), with their biases or null; the same shape holds their gradients. */
export interface MlpWeights {
  fcW: Float;
  fcB: Float | null;
  fcProjW: Float;
  fcProjB: Float | null;
}

/** What forward keeps for backward: c_fc's output, GELU's tanh and GELU's output, (N, 4C) each. */
export interface MlpActivations {
  fc: Float;
  geluTanh: Float;
  gelu: Float;
}

/** Backward's scratch, (N, 4C) each. */
export interface MlpScratch {
  dGelu: Float;
  dFc: Float;
}

/** out (N, C) = c_proj(gelu(c_fc(inp))) for inp (N, C). */
export function mlpForward(out: Float, act: MlpActivations, inp: Float, w: MlpWeights, N: number, C: number): void {
  linearForward(act.fc, inp, w.fcW, w.fcB, N, C, 4 * C);
  geluForward(act.gelu, act.geluTanh, act.fc, N * 4 * C);
  linearForward(out, act.gelu, w.fcProjW, w.fcProjB, N, 4 * C, C);
}

/** dinp (N, C), written, from dout (N, C); the weights' gradients added into grads. */
export function mlpBackward(
  dinp: Float, grads: MlpWeights, dout: Float, inp: Float, act: MlpActivations, w: MlpWeights, scratch: MlpScratch, N: number, C: number,
): void {
  linearBackward(scratch.dGelu, grads.fcProjW, grads.fcProjB, dout, act.gelu, w.fcProjW, N, 4 * C, C);
  geluBackward(scratch.dFc, scratch.dGelu, act.fc, act.geluTanh, N * 4 * C);
  linearBackward(dinp, grads.fcW, grads.fcB, scratch.dFc, inp, w.fcW, N, C, 4 * C);
}
