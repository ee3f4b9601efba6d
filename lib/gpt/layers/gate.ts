// A gate: a softmax over a few choices (heads or experts) for every token, and, for sparse mixtures, the router
// that keeps each token's k best choices. Shared by the mixture of heads and the mixture of experts.
import type { Float } from "../parameters.js";

/** probs (N, K) = the softmax of each row of logits (N, K). */
export function softmaxRowsForward(probs: Float, logits: Float, N: number, K: number): void {
  for (let i = 0; i < N; i++) {
    const o = i * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[o + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(logits[o + k] - max);
      probs[o + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) probs[o + k] /= sum;
  }
}

/**
 * p = softmax(z) per row, so dz_k = p_k (dp_k - sum_j p_j dp_j): raising one logit raises its share and takes
 * from all the others. Writes dlogits (N, K); it may be dprobs itself.
 */
export function softmaxRowsBackward(dlogits: Float, dprobs: Float, probs: Float, N: number, K: number): void {
  for (let i = 0; i < N; i++) {
    const o = i * K;
    let dot = 0;
    for (let k = 0; k < K; k++) dot += probs[o + k] * dprobs[o + k];
    for (let k = 0; k < K; k++) dlogits[o + k] = probs[o + k] * (dprobs[o + k] - dot);
  }
}

/**
 * Each row's k largest logits (N, K): choices (N, k) their indices, best first, a tie going to the lower index;
 * weights (N, k) the softmax over those k logits alone (the full softmax renormalised over them). The choice
 * itself is a step function: no gradient flows through it, only through the weights (topKWeightsBackward).
 */
export function topKRoute(choices: Int32Array, weights: Float, logits: Float, N: number, K: number, k: number): void {
  for (let i = 0; i < N; i++) {
    const o = i * K, r = i * k;
    for (let slot = 0; slot < k; slot++) {
      let best = -1;
      for (let j = 0; j < K; j++) {
        if (isChosen(choices, r, slot, j)) continue;
        if (best < 0 || logits[o + j] > logits[o + best]) best = j; // strict: the lower index keeps a tie
      }
      choices[r + slot] = best;
    }
    const max = logits[o + choices[r]];
    let sum = 0;
    for (let slot = 0; slot < k; slot++) {
      const e = Math.exp(logits[o + choices[r + slot]] - max);
      weights[r + slot] = e;
      sum += e;
    }
    for (let slot = 0; slot < k; slot++) weights[r + slot] /= sum;
  }
}

function isChosen(choices: Int32Array, r: number, slots: number, j: number): boolean {
  for (let s = 0; s < slots; s++) if (choices[r + s] === j) return true;
  return false;
}

/**
 * dlogits (N, K) from dweights (N, k): the softmax rule over the k chosen logits; the logits left out get 0.
 * Written.
 */
export function topKWeightsBackward(dlogits: Float, dweights: Float, weights: Float, choices: Int32Array, N: number, K: number, k: number): void {
  dlogits.fill(0, 0, N * K);
  for (let i = 0; i < N; i++) {
    const r = i * k;
    let dot = 0;
    for (let slot = 0; slot < k; slot++) dot += weights[r + slot] * dweights[r + slot];
    for (let slot = 0; slot < k; slot++) dlogits[i * K + choices[r + slot]] = weights[r + slot] * (dweights[r + slot] - dot);
  }
}

/**
 * Switch Transformer's load-balancing loss, K * sum_e f_e P_e: f_e the share of the (token, slot) assignments
 * that went to e (N k of them), P_e the mean over tokens of the full softmax p_e. It is smallest, 1, when both
 * are uniform; a gate that sends everything to one expert scores up to K. Keeps f (K) for backward.
 */
export function loadBalanceForward(f: Float, probs: Float, choices: Int32Array, N: number, K: number, k: number): number {
  f.fill(0, 0, K);
  for (let i = 0; i < N * k; i++) f[choices[i]] += 1;
  for (let e = 0; e < K; e++) f[e] /= N * k;
  let loss = 0;
  for (let e = 0; e < K; e++) {
    let P = 0;
    for (let i = 0; i < N; i++) P += probs[i * K + e];
    loss += f[e] * (P / N);
  }
  return K * loss;
}

/**
 * f counts choices, a step function, so it is a constant here: d loss / d p[i, e] = K f_e / N, times scale (the
 * loss's weight in the total). ADDS into dprobs (N, K).
 */
export function loadBalanceBackward(dprobs: Float, f: Float, scale: number, N: number, K: number): void {
  for (let i = 0; i < N; i++) for (let e = 0; e < K; e++) dprobs[i * K + e] += (scale * K * f[e]) / N;
}
