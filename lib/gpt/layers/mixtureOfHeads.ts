// Mixture of heads: every head attends as in causal self-attention (same fused qkv (B, T, 3C), same weights), but
// instead of standing side by side (C wide) the heads' outputs (hs = C / nHead wide each) are summed, each token
// weighting them by its own gate g = softmax over heads of x g_proj^T. The sum (B, T, hs) then goes through
// c_proj (hs -> C). The gate reads x, the attention's input (ln_1(x) in pre-norm).
//
// TheLittleBaby's MOH (src/attentions/moh.py) is the same idea. Where ours differs, and why:
// - q, k, v come from one fused c_attn (3C, C), as our (and nanoGPT's) attention, not three q/k/v projections, so
//   that mha and moh share the qkv layout (and a KV cache serves both) and the weights keep nanoGPT's names;
// - the heads split C (hs = C / nHead); TheLittleBaby splits a separate head_size, which may differ from n_emb;
// - c_proj (TheLittleBaby's m_proj) has a bias only when the config has biases, and q/k/v do when it does
//   (TheLittleBaby: m_proj always, q/k/v never), as every other Linear here;
// - the init is nanoGPT's (normal 0.02, c_proj scaled by 1 / sqrt(2 nLayer)), not TheLittleBaby's.
import type { Float } from "../parameters.js";
import { attentionBackward, attentionForward, type AttentionState } from "./attention.js";
import { softmaxRowsBackward, softmaxRowsForward } from "./gate.js";
import { viewsOrOwn } from "./state.js";
import { linearBackward, linearForward } from "./linear.js";

/** What the mixture keeps beside the attention's own state; allocated once per shape by the model. */
export interface HeadMixtureState {
  /** Every head's output side by side (B, T, C), as mha has it before c_proj. */
  heads: Float;
  /** The gate: its logits and its softmax over heads (B, T, nHead). */
  gateLogits: Float;
  gates: Float;
  /** Backward's scratch: the gradients of heads, gates, and of x through the gate (B, T, C). */
  dheads: Float;
  dgates: Float;
  dx: Float;
}

/** The buffers of a HeadMixtureState by name and shape. */
export function headMixtureShapes(B: number, T: number, C: number, nHead: number): { name: string; shape: number[] }[] {
  const N = B * T;
  return [
    { name: "heads", shape: [N, C] }, { name: "gateLogits", shape: [N, nHead] }, { name: "gates", shape: [N, nHead] },
    { name: "dheads", shape: [N, C] }, { name: "dgates", shape: [N, nHead] }, { name: "dx", shape: [N, C] },
  ];
}

/** A HeadMixtureState over the given views (by the names of headMixtureShapes), or over arrays of its own. */
export function headMixtureState(dtype: "float32" | "float64", B: number, T: number, C: number, nHead: number, views?: ReadonlyMap<string, Float>): HeadMixtureState {
  const get = viewsOrOwn(dtype, headMixtureShapes(B, T, C, nHead), views);
  return { heads: get("heads"), gateLogits: get("gateLogits"), gates: get("gates"), dheads: get("dheads"), dgates: get("dgates"), dx: get("dx") };
}

/** out (N, hs): row n is sum over h of gates[n, h] times head h's columns of heads (N, nHead hs). */
export function mixHeadsForward(out: Float, heads: Float, gates: Float, N: number, nHead: number, hs: number): void {
  const C = nHead * hs;
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < hs; d++) {
      let sum = 0;
      for (let h = 0; h < nHead; h++) sum += gates[n * nHead + h] * heads[n * C + h * hs + d];
      out[n * hs + d] = sum;
    }
  }
}

/** y = sum_h g_h y_h, so dy_h = g_h dy and dg_h = dy . y_h. Writes dheads (N, C) and dgates (N, nHead). */
export function mixHeadsBackward(dheads: Float, dgates: Float, dout: Float, heads: Float, gates: Float, N: number, nHead: number, hs: number): void {
  const C = nHead * hs;
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < nHead; h++) {
      const g = gates[n * nHead + h], o = n * C + h * hs;
      let dot = 0;
      for (let d = 0; d < hs; d++) {
        dheads[o + d] = g * dout[n * hs + d];
        dot += dout[n * hs + d] * heads[o + d];
      }
      dgates[n * nHead + h] = dot;
    }
  }
}

/**
 * out (B, T, hs) from qkv (B, T, 3C) and x (B, T, C), the input the gate reads; gateWeight is g_proj (nHead, C).
 * Attention dropout, when state.dropout is set, works as in attentionForward.
 */
export function mixtureOfHeadsForward(
  out: Float, qkv: Float, x: Float, gateWeight: Float, attention: AttentionState, mix: HeadMixtureState, B: number, T: number, C: number, nHead: number,
): void {
  attentionForward(mix.heads, qkv, attention, B, T, C, nHead);
  mixHeadsByGate(out, x, gateWeight, mix, B * T, C, nHead);
}

/** The gate's half: out (N, hs) from the heads' outputs already in mix.heads (by the causal attention, or a KV cache's). */
export function mixHeadsByGate(out: Float, x: Float, gateWeight: Float, mix: HeadMixtureState, N: number, C: number, nHead: number): void {
  linearForward(mix.gateLogits, x, gateWeight, null, N, C, nHead);
  softmaxRowsForward(mix.gates, mix.gateLogits, N, nHead);
  mixHeadsForward(out, mix.heads, mix.gates, N, nHead, C / nHead);
}

/**
 * From dout (B, T, hs): dqkv (B, T, 3C), written; mix.dx (B, T, C), the gradient of x through the gate, written
 * (x also fed c_attn: the caller adds the two); dgateWeight (nHead, C) added into.
 */
export function mixtureOfHeadsBackward(
  dqkv: Float, dgateWeight: Float, dout: Float, x: Float, gateWeight: Float, attention: AttentionState, mix: HeadMixtureState,
  B: number, T: number, C: number, nHead: number,
): void {
  const N = B * T;
  mixHeadsBackward(mix.dheads, mix.dgates, dout, mix.heads, mix.gates, N, nHead, C / nHead);
  attentionBackward(dqkv, mix.dheads, attention, B, T, C, nHead);
  softmaxRowsBackward(mix.dgates, mix.dgates, mix.gates, N, nHead); // now the gradient of the gate's logits
  linearBackward(mix.dx, dgateWeight, null, mix.dgates, x, gateWeight, N, C, nHead);
}
