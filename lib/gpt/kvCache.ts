// The KV cache: generating one token at a time, a position's key and value never change once computed (attention is
// causal, so nothing after a position reaches it), so each layer keeps them and a new token computes only its own
// row: embeddings, LayerNorms, projections and MLP for one position, and its attention over the kept keys.
//
// Past the context the window slides, and with learned absolute position embeddings (nanoGPT's wpe) that changes
// every kept row: the token that was at position 1 is now at position 0, so its embedding, and every key and value
// built on it, differ. The exact slide recomputes the whole window, one full forward of blockSize tokens per new
// token: past the context the cache saves nothing, and generation costs what it costs without one. TheLittleBaby
// (src/gpt.py, src/attentions/mha.py) slides cheaply instead: it keeps the old keys and values, drops the oldest,
// and gives the new token position (count mod n_ctx), so past the context its cached text differs from its uncached
// one. Here the cache is exact: the same logits as the plain forward of the cropped context, within rounding.
import { Matrix } from "../core/matrix.js";
import { checkTokenIds } from "./checks.js";
import { causalSoftmaxRow } from "./layers/attention.js";
import { GPT } from "./model.js";
import type { Float } from "./parameters.js";

/** Copies the keys and values of T new rows (the K and V thirds of qkv, (T, 3C)) to positions start.. of keys and values ((nHead, capacity, hs) each). */
export function keepKeysValues(keys: Float, values: Float, qkv: Float, start: number, T: number, C: number, nHead: number, capacity: number): void {
  const hs = C / nHead;
  for (let r = 0; r < T; r++) {
    for (let h = 0; h < nHead; h++) {
      const row = r * 3 * C + h * hs, kept = (h * capacity + start + r) * hs;
      for (let d = 0; d < hs; d++) {
        keys[kept + d] = qkv[row + C + d];
        values[kept + d] = qkv[row + 2 * C + d];
      }
    }
  }
}

/**
 * Attention of T new rows, at positions start..start+T-1 (their keys and values already kept), over every position
 * up to their own: out (T, C) gets each head's weighted sum of values, heads side by side as attentionForward writes
 * them. scores: capacity floats of scratch.
 */
export function cachedAttentionForward(
  out: Float, qkv: Float, keys: Float, values: Float, scores: Float, start: number, T: number, C: number, nHead: number, capacity: number,
): void {
  const hs = C / nHead, scale = 1 / Math.sqrt(hs);
  for (let r = 0; r < T; r++) {
    const seen = start + r + 1; // positions 0..start+r: the causal mask, with nothing after
    for (let h = 0; h < nHead; h++) {
      const q = r * 3 * C + h * hs, head = h * capacity * hs;
      for (let s = 0; s < seen; s++) {
        let dot = 0;
        for (let d = 0; d < hs; d++) dot += qkv[q + d] * keys[head + s * hs + d];
        scores[s] = dot;
      }
      causalSoftmaxRow(scores, 0, seen, seen, scale);
      const o = r * C + h * hs;
      for (let d = 0; d < hs; d++) {
        let sum = 0;
        for (let s = 0; s < seen; s++) sum += scores[s] * values[head + s * hs + d];
        out[o + d] = sum;
      }
    }
  }
}

/**
 * A GPT's keys and values for the positions of one sequence, kept between forwards. append(tokens) runs the model
 * on the tokens after the kept ones; nextTokenLogits(context) reuses the longest kept prefix of the context and
 * computes the rest, so that generate can hand it every (cropped) context as it would the plain forward.
 */
export class KVCache {
  readonly model: GPT;
  /** How many positions were computed through this cache, and how many were reused from it, since it was made. */
  computed = 0;
  reused = 0;
  private readonly keyRows: Float[];
  private readonly valueRows: Float[];
  private readonly scores: Float;
  private readonly ids: Int32Array;
  private size = 0;

  constructor(model: GPT) {
    if (!(model instanceof GPT)) throw new TypeError(`KVCache: expected a GPT, got ${model === null ? "null" : typeof model}`);
    const { nLayer, nEmbd: C, blockSize } = model.config;
    const FloatArray = model.dtype === "float32" ? Float32Array : Float64Array;
    this.model = model;
    this.keyRows = Array.from({ length: nLayer }, () => new FloatArray(blockSize * C));
    this.valueRows = Array.from({ length: nLayer }, () => new FloatArray(blockSize * C));
    this.scores = new FloatArray(blockSize);
    this.ids = new Int32Array(blockSize);
  }

  /** How many positions are kept (0 to blockSize). */
  get length(): number {
    return this.size;
  }

  /** The kept tokens, in order (a copy). */
  get tokens(): Int32Array {
    return this.ids.slice(0, this.size);
  }

  /** Forgets every kept position (the counts stay). */
  reset(): void {
    this.size = 0;
  }

  /** The kept keys of one head of one layer: (length, hs), row p the key of position p, in float64. */
  keys(layer: number, head: number): Matrix {
    return this.kept("keys", this.keyRows, layer, head);
  }

  /** The kept values of one head of one layer: (length, hs). */
  values(layer: number, head: number): Matrix {
    return this.kept("values", this.valueRows, layer, head);
  }

  /**
   * Runs the model on tokens at the positions after the kept ones and keeps their keys and values. Returns their
   * logits (T, vocabSize): the model's buffer, overwritten by its next forward.
   */
  append(tokens: ArrayLike<number>): Float {
    const fn = "KVCache.append";
    if (tokens === null || typeof tokens !== "object" || typeof tokens.length !== "number") throw new TypeError(`${fn}: tokens must be an array of token ids`);
    const T = tokens.length, { blockSize } = this.model.config;
    if (T === 0) throw new RangeError(`${fn}: no tokens`);
    if (this.size + T > blockSize) {
      throw new RangeError(`${fn}: ${T} tokens after the ${this.size} kept would pass the context of ${blockSize}; reset() or keep fewer`);
    }
    checkTokenIds(fn, "tokens", tokens, this.model.config.vocabSize);
    return this.model.forward(tokens, 1, T, { cache: this }).logits;
  }

  /**
   * The logits of the token after a context of at most blockSize tokens (the model's buffer), as the plain forward
   * of the context gives them: the kept positions that agree with the context's start are reused, the rest computed.
   * A context that slid by one past the window agrees nowhere (every token moved): it is computed whole.
   */
  readonly nextTokenLogits = (context: ArrayLike<number>): Float => {
    const n = context.length, { blockSize, vocabSize: V } = this.model.config;
    if (n === 0) throw new RangeError("KVCache.nextTokenLogits: no tokens; start from at least one");
    if (n > blockSize) throw new RangeError(`KVCache.nextTokenLogits: a context of ${n} tokens is longer than blockSize ${blockSize}`);
    let keep = 0;
    while (keep < this.size && keep < n - 1 && this.ids[keep] === context[keep]) keep++;
    this.size = keep;
    this.reused += keep;
    const rest = typeof (context as Int32Array).subarray === "function" ? (context as Int32Array).subarray(keep) : Array.from(context).slice(keep);
    const logits = this.append(rest);
    return logits.subarray((n - keep - 1) * V, (n - keep) * V);
  };

  /** Called by GPT.forward with a cache, before it runs: the position of the first token. */
  begin(model: GPT, batch: number, time: number, training: boolean): number {
    if (model !== this.model) throw new RangeError("GPT.forward: the KV cache belongs to another model");
    if (batch !== 1) throw new RangeError(`GPT.forward: a KV cache keeps one sequence; batch ${batch} must be 1`);
    if (training) throw new RangeError("GPT.forward: a KV cache serves generation: no targets, no training");
    return this.size;
  }

  /** Called by GPT.forward for layer l: keeps the new rows' keys and values (the fused projection qkv, (T, 3C)). */
  keep(layer: number, qkv: Float, T: number): void {
    const { nEmbd: C, nHead, blockSize } = this.model.config;
    keepKeysValues(this.keyRows[layer], this.valueRows[layer], qkv, this.size, T, C, nHead, blockSize);
  }

  /**
   * Called by GPT.forward for layer l, after keep, when positions were kept before: the new rows' attention over
   * them and themselves. (With none kept, the plain causal attention of the new rows is the same thing.)
   */
  attend(layer: number, out: Float, qkv: Float, T: number): void {
    const { nEmbd: C, nHead, blockSize } = this.model.config;
    cachedAttentionForward(out, qkv, this.keyRows[layer], this.valueRows[layer], this.scores, this.size, T, C, nHead, blockSize);
  }

  /** Called by GPT.forward after every layer ran: the new tokens are kept. */
  commit(tokens: ArrayLike<number>, T: number): void {
    for (let i = 0; i < T; i++) this.ids[this.size + i] = tokens[i];
    this.size += T;
    this.computed += T;
  }

  private kept(what: string, rows: Float[], layer: number, head: number): Matrix {
    const { nLayer, nHead, nEmbd: C, blockSize } = this.model.config;
    if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer) throw new RangeError(`KVCache.${what}: layer ${layer} is outside [0, ${nLayer})`);
    if (!Number.isInteger(head) || head < 0 || head >= nHead) throw new RangeError(`KVCache.${what}: head ${head} is outside [0, ${nHead})`);
    if (this.size === 0) throw new RangeError(`KVCache.${what}: the cache is empty; append tokens first`);
    const hs = C / nHead, from = head * blockSize * hs;
    return new Matrix(this.size, hs, Float64Array.from(rows[layer].subarray(from, from + this.size * hs)));
  }
}
