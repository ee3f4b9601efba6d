// The residual connection: out = x + f(x). Its gradient reaches x twice, straight through the add and through f.
import type { Float } from "../parameters.js";

/** out = skip + branch, elementwise (N values). */
export function residualForward(out: Float, skip: Float, branch: Float, N: number): void {
  for (let i = 0; i < N; i++) out[i] = skip[i] + branch[i];
}

/**
 * An add passes dout unchanged to both inputs; x fed both the skip and f, so dx = dout + (gradient through f).
 * dx holds the gradient through f; this adds dout, the straight path.
 */
export function residualBackward(dx: Float, dout: Float, N: number): void {
  for (let i = 0; i < N; i++) dx[i] += dout[i];
}
