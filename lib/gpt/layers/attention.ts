// Causal multi-head self-attention on the fused projection qkv (B, T, 3C) = [Q | K | V], each split into nHead heads
// of hs = C / nHead columns. Per batch row and head: scores = Q K^T / sqrt(hs), masked so that position t sees
// positions 0..t only, softmax per row, optional dropout, then weights times V; the heads side by side give (B, T, C).
import { gemm } from "../../kernels/gemm.js";
import { wasmKernels } from "../../kernels/wasm.js";
import { useWasm, wasmCausalAttentionBackward, wasmCausalAttentionForward } from "../../kernels/wasmGpt.js";
import type { Float } from "../parameters.js";

/** What forward keeps for backward, and the scratch both use; allocated once per shape by the model. */
export interface AttentionState {
  /**
   * Q, K, V split into heads: (B, nHead, T, hs) each, so every head's rows are contiguous for gemm. Only the
   * readable loops use them (float64, dropout, or no WebAssembly): the float32 kernel reads Q, K, V in place from
   * qkv, and its state has null here.
   */
  q: Float | null;
  k: Float | null;
  v: Float | null;
  /** The softmax weights (B, nHead, T, T), zero above the diagonal. */
  weights: Float;
  /** With dropout: the dropout mask (B, nHead, T, T) and the weights after it; null without. */
  mask: Float | null;
  dropped: Float | null;
  /** Whether this forward drops weights out (set by the caller: training, with a mask drawn); evaluation does not. */
  dropout: boolean;
  /** Scratch of the readable loops for one head: T x hs (three) and T x T; null where q, k, v are. */
  headA: Float | null;
  headB: Float | null;
  headC: Float | null;
  square: Float | null;
  /** The qkv of the last forward, when the float32 kernel ran it (it reads Q, K, V from there again in backward). */
  qkv: Float32Array | null;
}

/** Whether attention of this dtype and dropout runs the readable loops (and so needs q, k, v and the head scratch). */
export function readableAttention(dtype: "float32" | "float64", withDropout: boolean): boolean {
  return dtype === "float64" || withDropout || !wasmKernels().available;
}

/** The buffers of an AttentionState by name and shape. */
export function attentionStateShapes(B: number, T: number, C: number, nHead: number, withDropout: boolean, readable: boolean): { name: string; shape: number[] }[] {
  const hs = C / nHead, heads = [B, nHead, T, hs], square = [B, nHead, T, T];
  return [
    ...(readable ? ["q", "k", "v"].map((name) => ({ name, shape: heads })) : []),
    { name: "weights", shape: square },
    ...(withDropout ? [{ name: "mask", shape: square }, { name: "dropped", shape: square }] : []),
    ...(readable ? [...["headA", "headB", "headC"].map((name) => ({ name, shape: [T, hs] })), { name: "square", shape: [T, T] }] : []),
  ];
}

/** An AttentionState over the given views (by the names of attentionStateShapes), or over arrays of its own. */
export function attentionState(
  dtype: "float32" | "float64", B: number, T: number, C: number, nHead: number, withDropout: boolean, views?: ReadonlyMap<string, Float>,
): AttentionState {
  const FloatArray = dtype === "float32" ? Float32Array : Float64Array;
  const own = new Map(attentionStateShapes(B, T, C, nHead, withDropout, readableAttention(dtype, withDropout))
    .map(({ name, shape }) => [name, new FloatArray(shape.reduce((x, y) => x * y, 1)) as Float]));
  const get = (name: string): Float | null => (views ?? own).get(name) ?? null;
  return {
    q: get("q"), k: get("k"), v: get("v"), weights: get("weights") as Float, mask: get("mask"), dropped: get("dropped"), dropout: false,
    headA: get("headA"), headB: get("headB"), headC: get("headC"), square: get("square"), qkv: null,
  };
}

// The readable loops' buffers, which a float32 state without dropout does not have.
function headBuffers(state: AttentionState): { q: Float; k: Float; v: Float; headA: Float; headB: Float; headC: Float; square: Float } {
  const { q, k, v, headA, headB, headC, square } = state;
  if (q === null || k === null || v === null || headA === null || headB === null || headC === null || square === null) {
    throw new Error("attention: this state was made for the float32 kernel (no q, k, v); make it with dropout, or in float64, for the readable loops");
  }
  return { q, k, v, headA, headB, headC, square };
}

/** Copies head h's columns [offset + h hs, offset + (h+1) hs) of the rows of src (row width W, batch row b) into head (T x hs), or back. */
function headColumns(head: Float, src: Float, b: number, T: number, W: number, offset: number, hs: number, toHead: boolean): void {
  for (let t = 0; t < T; t++) {
    const row = (b * T + t) * W + offset;
    for (let d = 0; d < hs; d++) {
      if (toHead) head[t * hs + d] = src[row + d];
      else src[row + d] = head[t * hs + d];
    }
  }
}

/**
 * out (B, T, C) from qkv (B, T, 3C). With state.dropout set (and the mask drawn by the caller), the weights are dropped out
 * before they multiply V, as nanoGPT's attn_dropout does.
 */
export function attentionForward(out: Float, qkv: Float, state: AttentionState, B: number, T: number, C: number, nHead: number): void {
  // float32 without dropout: the same steps in one WebAssembly kernel that skips the masked triangle (asm/kernels.ts)
  state.qkv = useWasm(qkv) && !state.dropout ? qkv : null;
  if (state.qkv !== null) {
    wasmCausalAttentionForward(out as Float32Array, state.weights as Float32Array, state.qkv, B, T, C, nHead);
    return;
  }
  const hs = C / nHead, scale = 1 / Math.sqrt(hs);
  const { weights, mask, dropped } = state;
  const { q, k, v, headA: y } = headBuffers(state);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < nHead; h++) {
      const head = (b * nHead + h) * T * hs, w = (b * nHead + h) * T * T;
      const qh = q.subarray(head, head + T * hs), kh = k.subarray(head, head + T * hs), vh = v.subarray(head, head + T * hs);
      headColumns(qh, qkv, b, T, 3 * C, h * hs, hs, true);
      headColumns(kh, qkv, b, T, 3 * C, C + h * hs, hs, true);
      headColumns(vh, qkv, b, T, 3 * C, 2 * C + h * hs, hs, true);
      const att = weights.subarray(w, w + T * T);
      gemm(att, qh, kh, T, hs, T, { transposeB: true }); // scores: row t is q_t . k_s for every s
      for (let t = 0; t < T; t++) causalSoftmaxRow(att, t * T, t + 1, T, scale);
      let used = att;
      if (state.dropout && mask !== null && dropped !== null) {
        used = dropped.subarray(w, w + T * T);
        for (let i = 0; i < T * T; i++) used[i] = att[i] * mask[w + i];
      }
      gemm(y, used, vh, T, T, hs); // each output row: the weighted sum of the value rows
      headColumns(y, out, b, T, C, h * hs, hs, false);
    }
  }
}

/** Softmax of scale * row[start..start+valid) in place; the masked rest (future positions, up to T) gets weight 0. */
export function causalSoftmaxRow(row: Float, start: number, valid: number, T: number, scale: number): void {
  let max = -Infinity;
  for (let s = 0; s < valid; s++) max = Math.max(max, row[start + s] * scale);
  let sum = 0;
  for (let s = 0; s < valid; s++) {
    const e = Math.exp(row[start + s] * scale - max);
    row[start + s] = e;
    sum += e;
  }
  for (let s = 0; s < valid; s++) row[start + s] /= sum;
  for (let s = valid; s < T; s++) row[start + s] = 0;
}

/**
 * dqkv (B, T, 3C), written, from dout (B, T, C). Per head, with A = softmax(S) the weights and D = A * mask the
 * weights used (D = A without dropout):
 *   y = D V          so  dD = dy V^T  and  dV = D^T dy;
 *   D = A * mask     so  dA = dD * mask;
 *   A = softmax(S)   so  dS[t, s] = A[t, s] (dA[t, s] - sum over s' of A[t, s'] dA[t, s']): the weights before dropout
 *                    (masked entries have A = 0);
 *   S = Q K^T scale  so  dQ = dS K scale  and  dK = dS^T Q scale.
 */
export function attentionBackward(dqkv: Float, dout: Float, state: AttentionState, B: number, T: number, C: number, nHead: number): void {
  if (state.qkv !== null) {
    wasmCausalAttentionBackward(dqkv as Float32Array, dout as Float32Array, state.qkv, state.weights as Float32Array, B, T, C, nHead);
    return;
  }
  const hs = C / nHead, scale = 1 / Math.sqrt(hs);
  const { weights, mask, dropped } = state;
  const { q, k, v, headA: dy, headB: dHead, headC: dOther, square: dP } = headBuffers(state);
  const dropping = state.dropout && mask !== null && dropped !== null;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < nHead; h++) {
      const head = (b * nHead + h) * T * hs, w = (b * nHead + h) * T * T;
      const qh = q.subarray(head, head + T * hs), kh = k.subarray(head, head + T * hs), vh = v.subarray(head, head + T * hs);
      const att = weights.subarray(w, w + T * T);
      const used = dropping ? (dropped as Float).subarray(w, w + T * T) : att;
      headColumns(dy, dout, b, T, C, h * hs, hs, true);
      gemm(dP, dy, vh, T, hs, T, { transposeB: true }); // dD (dA when nothing is dropped)
      gemm(dHead, used, dy, T, T, hs, { transposeA: true }); // dV
      headColumns(dHead, dqkv, b, T, 3 * C, 2 * C + h * hs, hs, false);
      if (dropping) for (let i = 0; i < T * T; i++) dP[i] *= (mask as Float)[w + i]; // dA, through the dropout
      for (let t = 0; t < T; t++) {
        const o = t * T;
        let dot = 0;
        for (let s = 0; s <= t; s++) dot += att[o + s] * dP[o + s];
        for (let s = 0; s < T; s++) dP[o + s] = s <= t ? att[o + s] * (dP[o + s] - dot) * scale : 0; // now dS, scaled
      }
      gemm(dHead, dP, kh, T, T, hs); // dQ
      headColumns(dHead, dqkv, b, T, 3 * C, h * hs, hs, false);
      gemm(dOther, dP, qh, T, T, hs, { transposeA: true }); // dK
      headColumns(dOther, dqkv, b, T, 3 * C, C + h * hs, hs, false);
    }
  }
}
