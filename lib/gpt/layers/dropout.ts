// Dropout on a flat array with PyTorch's mask (lib/attention/dropout.ts): kept values are scaled by 1 / (1 - p).
import { dropoutMask } from "../../attention/dropout.js";
import type { Generator } from "../../core/random.js";
import type { Float } from "../parameters.js";

/** A fresh mask of N values (0 or 1 / (1 - rate)), drawn as torch.nn.Dropout draws it, into mask. */
export function drawDropoutMask(mask: Float, rate: number, generator: Generator, N: number): void {
  mask.set(dropoutMask(1, N, { rate, generator, dtype: mask instanceof Float32Array ? "float32" : "float64" }).data);
}

/** x *= mask in place (N values). Backward is the same product on the gradient: a dropped value passed nothing on. */
export function applyDropout(x: Float, mask: Float, N: number): void {
  for (let i = 0; i < N; i++) x[i] *= mask[i];
}
