// GELU, tanh approximation (GPT-2's): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
import type { Float } from "../parameters.js";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** out = gelu(inp) (N values); keeps tanh(u) per value in tanhU, so that backward needs no second tanh. */
export function geluForward(out: Float, tanhU: Float, inp: Float, N: number): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i];
    const t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
    tanhU[i] = t;
    out[i] = 0.5 * x * (1 + t);
  }
}

/** Product rule on 0.5 x (1 + tanh u): d/dx = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) du/dx, du/dx = sqrt(2/pi) (1 + 3 * 0.044715 x^2). Writes dinp. */
export function geluBackward(dinp: Float, dout: Float, inp: Float, tanhU: Float, N: number): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i], t = tanhU[i];
    const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    dinp[i] = dout[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du);
  }
}
