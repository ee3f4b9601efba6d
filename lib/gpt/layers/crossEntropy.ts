// Cross-entropy of the softmax of each row of logits against its target token, averaged over every position.
import type { Float } from "../parameters.js";

/** probs (N, V) = softmax of each logits row (kept for backward); returns mean over rows of -log probs[target]. */
export function crossEntropyForward(probs: Float, logits: Float, targets: ArrayLike<number>, N: number, V: number): number {
  let total = 0;
  for (let i = 0; i < N; i++) {
    const o = i * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[o + v] > max) max = logits[o + v];
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
    for (let v = 0; v < V; v++) probs[o + v] = Math.exp(logits[o + v] - max) / sum;
    total += max + Math.log(sum) - logits[o + targets[i]]; // -log softmax, without the rounding of log(probs)
  }
  return total / N;
}

/** d(mean loss)/dlogits = (probs - onehot(target)) / N: the softmax and the log cancel to this. Writes dlogits. */
export function crossEntropyBackward(dlogits: Float, probs: Float, targets: ArrayLike<number>, N: number, V: number): void {
  for (let i = 0; i < N; i++) {
    const o = i * V;
    for (let v = 0; v < V; v++) dlogits[o + v] = probs[o + v] / N;
    dlogits[o + targets[i]] -= 1 / N;
  }
}
