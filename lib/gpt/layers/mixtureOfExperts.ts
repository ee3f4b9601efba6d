// Mixture of experts: nExperts copies of the MLP (the experts) and a gate (E, C) that gives each token a softmax
// p over them. Dense: out = sum_e p_e expert_e(x), every expert on every token. Sparse (top k, as Switch
// Transformer and Mixtral): each token goes to its k experts of largest gate logit, weighted by the softmax over
// those k alone; an expert runs only on the rows routed to it (gathered, run, scattered back weighted), and a
// load-balancing loss (gate.ts) keeps the gate from sending everything to a favourite.
//
// TheLittleBaby's MOE (src/networks/moe.py) is the dense one. Where ours differs, and why: the gate is named gate
// (TheLittleBaby: g_proj) and the experts' layers c_fc and c_proj (TheLittleBaby: c_proj_up, c_proj_dn), so that
// each expert is our MLP with nanoGPT's names; their biases follow the config's bias (TheLittleBaby: always); the
// width is 4C (TheLittleBaby: an expansion option); the init is nanoGPT's. Sparse routing and its balancing loss
// are beyond TheLittleBaby.
import type { Float } from "../parameters.js";
import { loadBalanceBackward, loadBalanceForward, softmaxRowsBackward, softmaxRowsForward, topKRoute, topKWeightsBackward } from "./gate.js";
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

export function expertMixtureState(dtype: "float32" | "float64", N: number, C: number, nExperts: number, topK: number | null): ExpertMixtureState {
  const FloatArray = dtype === "float32" ? Float32Array : Float64Array;
  const f = (n: number): Float => new FloatArray(n);
  const E = nExperts, k = topK ?? 0, sparse = topK !== null;
  return {
    gateLogits: f(N * E), probs: f(N * E), choices: new Int32Array(N * k), weights: f(N * k), share: f(E),
    experts: Array.from({ length: E }, () => ({
      count: 0, rows: new Int32Array(N), at: new Int32Array(N), input: f(sparse ? N * C : 0),
      fc: f(N * 4 * C), geluTanh: f(N * 4 * C), gelu: f(N * 4 * C), out: f(N * C),
    })),
    dweights: f(N * (sparse ? k : E)), dlogits: f(N * E), dprobs: f(sparse ? N * E : 0),
    dOut: f(N * C), dIn: f(N * C), dGelu: f(N * 4 * C), dFc: f(N * 4 * C),
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
