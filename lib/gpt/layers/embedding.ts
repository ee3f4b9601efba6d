// Token embedding plus position embedding: row tokens[b, t] of wte plus row t of wpe.
import type { Float } from "../parameters.js";

/**
 * out (B, T, C) = wte[tokens[b, t]] + wpe[start + t]: the tokens sit at positions start.. (after start cached
 * ones when generating with a KV cache; 0 otherwise). Token ids and positions are the model's to check.
 */
export function embeddingForward(out: Float, tokens: ArrayLike<number>, wte: Float, wpe: Float, B: number, T: number, C: number, start = 0): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C, token = tokens[b * T + t] * C, position = (start + t) * C;
      for (let c = 0; c < C; c++) out[o + c] = wte[token + c] + wpe[position + c];
    }
  }
}

/**
 * A lookup is a sum with weight 1, so each position's gradient lands, unchanged, on the row it read:
 * dwte[tokens[b, t]] += dout[b, t] and dwpe[t] += dout[b, t]. A token seen twice collects both.
 */
export function embeddingBackward(dwte: Float, dwpe: Float, dout: Float, tokens: ArrayLike<number>, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C, token = tokens[b * T + t] * C, position = t * C;
      for (let c = 0; c < C; c++) {
        dwte[token + c] += dout[o + c];
        dwpe[position + c] += dout[o + c];
      }
    }
  }
}
