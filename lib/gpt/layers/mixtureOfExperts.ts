// Mixture of experts: nExperts copies of the MLP (the experts) and a gate (E, C) that gives each token a softmax
// p over them. Dense: out = sum_e p_e expert_e(x), every expert on every token. Sparse (top k, as Switch
// Transformer and Mixtral): each token goes to its k experts of largest gate logit, weighted by the softmax over
// those k alone; an expert runs only on the rows routed to it (gathered, run, scattered back weighted), and a
// load-balancing loss (gate.ts) keeps the gate from sending everything to a favourite. The weights are Mixtral's
// (renormalised over the k chosen), so with k = 1 a token's weight is always 1 and its gate learns from the balancing
// loss alone; Switch Transformer, top-1, weighs by the full softmax p instead.
//
// TheLittleBaby's MOE (src/networks/moe.py) is the dense one. Where ours differs, and why: the gate is named gate
// (TheLittleBaby: g_proj) and the experts' layers c_fc and c_proj (TheLittleBaby: c_proj_up, c_proj_dn), so that
// each expert is our MLP with nanoGPT's names; their biases follow the config's bias (TheLittleBaby: always); the
// width is 4C (TheLittleBaby: an expansion option); the init is nanoGPT's. Sparse routing and its balancing loss
// are beyond TheLittleBaby.
import type { Float } from "../parameters.js";
import { loadBalanceBackward, loadBalanceForward, softmaxRowsBackward, softmaxRowsForward, topKRoute, topKWeightsBackward } from "./gate.js";
import { viewsOrOwn } from "./state.js";
import { linearBackward, linearForward } from "./linear.js";
import { mlpBackward, mlpForward, type MlpWeights } from "./mlp.js";

/** One expert's rows in the last forward: count of them, which tokens, and where each one's weight sits. */
interface ExpertRows {
  count: number;
  /** rows[i]: the token (row of x) of the expert's i-th row. */
  rows: Int32Array;
  /** at[i]: the index of its weight, in probs (N, E) when dense, in weights (N, k) when sparse. */
  at: Int32Array;
  /** The gathered input (sparse only; dense reads x itself) and the MLP's activations, count rows each. */
  input: Float;
  fc: Float;
  geluTanh: Float;
  gelu: Float;
  out: Float;
}

export interface ExpertMixtureState {
  /** The gate's logits and softmax p over all experts (N, E). */
  gateLogits: Float;
  probs: Float;
  /** Sparse only: each token's k experts (best first) and their renormalised weights (N, k); f (E), the share of assignments. */
  choices: Int32Array;
  weights: Float;
  share: Float;
  experts: ExpertRows[];
  /** Backward's scratch. */
  dweights: Float;
  dlogits: Float;
  dprobs: Float;
  dOut: Float;
  dIn: Float;
  dGelu: Float;
  dFc: Float;
}

/** The float buffers of an ExpertMixtureState by name and shape (the routing's integers it keeps itself). */
export function expertMixtureShapes(N: number, C: number, nExperts: number, topK: number | null): { name: string; shape: number[] }[] {
  const E = nExperts, sparse = topK !== null;
  const shapes = [{ name: "gateLogits", shape: [N, E] }, { name: "probs", shape: [N, E] }];
  if (sparse) shapes.push({ name: "weights", shape: [N, topK] }, { name: "share", shape: [E] });
  for (let e = 0; e < E; e++) {
    if (sparse) shapes.push({ name: `experts.${e}.input`, shape: [N, C] });
    for (const name of ["fc", "geluTanh", "gelu"]) shapes.push({ name: `experts.${e}.${name}`, shape: [N, 4 * C] });
    shapes.push({ name: `experts.${e}.out`, shape: [N, C] });
  }
  shapes.push({ name: "dweights", shape: [N, sparse ? topK : E] }, { name: "dlogits", shape: [N, E] });
  if (sparse) shapes.push({ name: "dprobs", shape: [N, E] });
  shapes.push({ name: "dOut", shape: [N, C] }, { name: "dIn", shape: [N, C] }, { name: "dGelu", shape: [N, 4 * C] }, { name: "dFc", shape: [N, 4 * C] });
  return shapes;
}

/** An ExpertMixtureState over the given views (by the names of expertMixtureShapes), or over arrays of its own. */
export function expertMixtureState(
  dtype: "float32" | "float64", N: number, C: number, nExperts: number, topK: number | null, views?: ReadonlyMap<string, Float>,
): ExpertMixtureState {
  const get = viewsOrOwn(dtype, expertMixtureShapes(N, C, nExperts, topK), views);
  const sparse = topK !== null, none = dtype === "float32" ? new Float32Array(0) : new Float64Array(0);
  return {
    gateLogits: get("gateLogits"), probs: get("probs"), choices: new Int32Array(sparse ? N * topK : 0),
    weights: sparse ? get("weights") : none, share: sparse ? get("share") : none,
    experts: Array.from({ length: nExperts }, (_, e) => ({
      count: 0, rows: new Int32Array(N), at: new Int32Array(N), input: sparse ? get(`experts.${e}.input`) : none,
      fc: get(`experts.${e}.fc`), geluTanh: get(`experts.${e}.geluTanh`), gelu: get(`experts.${e}.gelu`), out: get(`experts.${e}.out`),
    })),
    dweights: get("dweights"), dlogits: get("dlogits"), dprobs: sparse ? get("dprobs") : none,
    dOut: get("dOut"), dIn: get("dIn"), dGelu: get("dGelu"), dFc: get("dFc"),
  };
}

/** rows[i] of src (width C) into row i of dst, for count rows. */
function gatherRows(dst: Float, src: Float, rows: Int32Array, count: number, C: number): void {
  for (let i = 0; i < count; i++) dst.set(src.subarray(rows[i] * C, rows[i] * C + C), i * C);
}

/**
 * out (N, C) from x (N, C); gateWeight (E, C); experts[e] expert e's MLP weights; topK null for dense. Returns the
 * load-balancing loss when sparse, undefined when dense.
 */
export function mixtureOfExpertsForward(
  out: Float, x: Float, gateWeight: Float, experts: readonly MlpWeights[], state: ExpertMixtureState, N: number, C: number, topK: number | null,
): number | undefined {
  const E = experts.length;
  linearForward(state.gateLogits, x, gateWeight, null, N, C, E);
  softmaxRowsForward(state.probs, state.gateLogits, N, E);
  let aux: number | undefined;
  if (topK === null) {
    for (let e = 0; e < E; e++) {
      const ex = state.experts[e];
      ex.count = N;
      for (let n = 0; n < N; n++) {
        ex.rows[n] = n;
        ex.at[n] = n * E + e;
      }
    }
  } else {
    topKRoute(state.choices, state.weights, state.gateLogits, N, E, topK);
    aux = loadBalanceForward(state.share, state.probs, state.choices, N, E, topK);
    for (const ex of state.experts) ex.count = 0;
    for (let i = 0; i < N * topK; i++) {
      const ex = state.experts[state.choices[i]];
      ex.rows[ex.count] = Math.floor(i / topK);
      ex.at[ex.count++] = i;
    }
  }
  const weight = topK === null ? state.probs : state.weights;
  out.fill(0, 0, N * C);
  for (let e = 0; e < E; e++) {
    const ex = state.experts[e], M = ex.count;
    if (M === 0) continue;
    const input = topK === null ? x : ex.input;
    if (topK !== null) gatherRows(ex.input, x, ex.rows, M, C);
    mlpForward(ex.out, ex, input, experts[e], M, C);
    for (let i = 0; i < M; i++) { // scatter-add, weighted
      const w = weight[ex.at[i]], o = ex.rows[i] * C;
      for (let c = 0; c < C; c++) out[o + c] += w * ex.out[i * C + c];
    }
  }
  return aux;
}

/**
 * From dout (N, C): dx (N, C), written; the gate's and the experts' gradients added into dgateWeight and
 * expertGrads. auxScale is the balancing loss's weight in the total loss being differentiated (sparse only).
 * Per routed row: out += w expert(x), so d expert = w dout and dw = dout . expert(x); then the gate's softmax.
 */
export function mixtureOfExpertsBackward(
  dx: Float, dgateWeight: Float, expertGrads: readonly MlpWeights[], dout: Float, x: Float, gateWeight: Float, experts: readonly MlpWeights[],
  state: ExpertMixtureState, N: number, C: number, topK: number | null, auxScale: number,
): void {
  const E = experts.length;
  const { dweights, dlogits, dOut, dIn } = state;
  const weight = topK === null ? state.probs : state.weights;
  dx.fill(0, 0, N * C);
  for (let e = 0; e < E; e++) {
    const ex = state.experts[e], M = ex.count;
    if (M === 0) continue;
    for (let i = 0; i < M; i++) {
      const w = weight[ex.at[i]], o = ex.rows[i] * C;
      let dot = 0;
      for (let c = 0; c < C; c++) {
        dOut[i * C + c] = w * dout[o + c];
        dot += dout[o + c] * ex.out[i * C + c];
      }
      dweights[ex.at[i]] = dot;
    }
    mlpBackward(dIn, expertGrads[e], dOut, topK === null ? x : ex.input, ex, experts[e], state, M, C);
    for (let i = 0; i < M; i++) {
      const o = ex.rows[i] * C;
      for (let c = 0; c < C; c++) dx[o + c] += dIn[i * C + c];
    }
  }
  if (topK === null) softmaxRowsBackward(dlogits, dweights, state.probs, N, E);
  else {
    topKWeightsBackward(dlogits, dweights, state.weights, state.choices, N, E, topK);
    if (auxScale !== 0) {
      state.dprobs.fill(0, 0, N * E);
      loadBalanceBackward(state.dprobs, state.share, auxScale, N, E);
      softmaxRowsBackward(state.dprobs, state.dprobs, state.probs, N, E);
      for (let i = 0; i < N * E; i++) dlogits[i] += state.dprobs[i];
    }
  }
  linearBackward(dIn, dgateWeight, null, dlogits, x, gateWeight, N, C, E);
  for (let i = 0; i < N * C; i++) dx[i] += dIn[i]; // x fed the gate as well as the experts
}
