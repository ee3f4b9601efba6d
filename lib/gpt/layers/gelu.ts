// GELU, tanh approximation (GPT-2's): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
import { useWasm, wasmGeluBackward, wasmGeluForward } from "../../kernels/wasmGpt.js";
import type { Float } from "../parameters.js";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** out = gelu(inp) (N values); keeps tanh(u) per value in tanhU, so that backward needs no second tanh. */
export function geluForward(out: Float, tanhU: Float, inp: Float, N: number): void {
  // float32 needs tanh only to float32's precision: a rational approximation in WebAssembly SIMD, several times Math.tanh's speed
  if (useWasm(inp)) {
    wasmGeluForward(out as Float32Array, tanhU as Float32Array, inp, N);
    return;
  }
  for (let i = 0; i < N; i++) {
    const x = inp[i];
    const t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
    tanhU[i] = t;
    out[i] = 0.5 * x * (1 + t);
  }
}

/** Product rule on 0.5 x (1 + tanh u): d/dx = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) du/dx, du/dx = sqrt(2/pi) (1 + 3 * 0.044715 x^2). Writes dinp. */
export function geluBackward(dinp: Float, dout: Float, inp: Float, tanhU: Float, N: number): void {
  if (useWasm(inp)) {
    wasmGeluBackward(dinp as Float32Array, dout as Float32Array, inp, tanhU as Float32Array, N);
    return;
  }
  for (let i = 0; i < N; i++) {
    const x = inp[i], t = tanhU[i];
    const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    dinp[i] = dout[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du);
  }
}
