// The GPT's forward pass for one sequence, every step kept as a matrix (one row per token), for pictures and for
// reading the model step by step. It calls the same layer files in the same order as model.ts (evaluation mode), so
// forwardSteps(model, tokens).logits equals model.forward(tokens, 1, T).logits exactly.
import { Matrix, assertFinite, shapeText, type DType } from "../core/matrix.js";
import type { Norm } from "./config.js";
import type { GPT } from "./model.js";
import { checkModel, checkTokenIds } from "./checks.js";
import type { Float } from "./parameters.js";
import { attentionForward, attentionState } from "./layers/attention.js";
import { embeddingForward } from "./layers/embedding.js";
import { geluForward } from "./layers/gelu.js";
import { layerNormForward } from "./layers/layerNorm.js";
import { linearForward } from "./layers/linear.js";
import { topKRoute } from "./layers/gate.js";
import type { MlpWeights } from "./layers/mlp.js";
import { headMixtureState, mixtureOfHeadsForward } from "./layers/mixtureOfHeads.js";
import { expertMixtureState, mixtureOfExpertsForward } from "./layers/mixtureOfExperts.js";
import { residualForward } from "./layers/residual.js";

/**
 * One block's steps. Pre-norm (GPT-2): ln1 = LN1(input), res1 = input + attention(ln1), ln2 = LN2(res1),
 * res2 = res1 + mlp(ln2), output = res2. Post-norm (the original Transformer): res1 = input + attention(input),
 * ln1 = LN1(res1), res2 = ln1 + mlp(ln1), ln2 = LN2(res2), output = ln2.
 */
export interface BlockSteps {
  norm: Norm;
  input: Matrix;
  ln1: Matrix;
  /** The fused projection [Q | K | V], T x 3C. */
  qkv: Matrix;
  /** Each head's attention weights, T x T, causal. */
  weights: Matrix[];
  /** The heads' outputs side by side (T x C): with attention "mha", what the output projection c_proj reads. */
  heads: Matrix;
  /** Attention "moh" only: the gate's softmax over heads (T x nHead), and the heads summed with it (T x hs), what c_proj reads. */
  headGates?: Matrix;
  mixed?: Matrix;
  /** The attention branch's output, after c_proj (T x C). */
  attention: Matrix;
  res1: Matrix;
  ln2: Matrix;
  /** The MLP's wide layer c_fc, T x 4C, before and after GELU; with network "moe", each token's row from its first expert (largest gate). */
  hidden: Matrix;
  gelu: Matrix;
  /** Network "moe" only: the gate's softmax over experts (T x nExperts); when sparse, each token's k experts, best first. */
  expertGates?: Matrix;
  expertChoices?: number[][];
  /** The MLP branch's output, after its c_proj (T x C). */
  mlp: Matrix;
  res2: Matrix;
  output: Matrix;
}

export interface ForwardSteps {
  tokens: number[];
  /** Row tokens[t] of transformer.wte.weight, T x C. */
  tokenEmbedding: Matrix;
  /** Row t of transformer.wpe.weight, T x C. */
  positionEmbedding: Matrix;
  /** Their sum: what the first block reads. */
  embedding: Matrix;
  blocks: BlockSteps[];
  /** The final LayerNorm ln_f of the last block's output. */
  final: Matrix;
  /** final times wte^T (the LM head is the token embedding): T x vocabSize. */
  logits: Matrix;
}

const matrix = (rows: number, cols: number, dtype: DType): Matrix =>
  new Matrix(rows, cols, dtype === "float32" ? new Float32Array(rows * cols) : new Float64Array(rows * cols));

/**
 * A Matrix over a parameter's own numbers (no copy: editing it edits the model). Vectors (LayerNorm weights) are
 * one row; nn.Linear weights keep PyTorch's (out, in) shape.
 */
export function parameterMatrix(model: GPT, name: string): Matrix {
  checkModel("parameterMatrix", model);
  const p = model.parameters.find((q) => q.name === name);
  if (p === undefined) throw new RangeError(`parameterMatrix: no parameter named ${JSON.stringify(name)}; e.g. ${model.parameters[0].name}`);
  const [rows, cols] = p.shape.length === 1 ? [1, p.shape[0]] : p.shape;
  return new Matrix(rows, cols, p.data);
}

function layerNormOf(out: Matrix, x: Matrix, model: GPT, name: string): Matrix {
  const bias = model.config.bias ? model.parameter(`${name}.bias`).data : null;
  const N = x.rows, stats = (): Float => (x.dtype === "float32" ? new Float32Array(N) : new Float64Array(N));
  layerNormForward(out.data, stats(), stats(), x.data, model.parameter(`${name}.weight`).data, bias, N, x.cols);
  return out;
}

function linearOf(x: Matrix, model: GPT, name: string, outputs: number): Matrix {
  const out = matrix(x.rows, outputs, x.dtype);
  const bias = model.config.bias ? model.parameter(`${name}.bias`).data : null;
  linearForward(out.data, x.data, model.parameter(`${name}.weight`).data, bias, x.rows, x.cols, outputs);
  return out;
}

function sum(a: Matrix, b: Matrix): Matrix {
  const out = matrix(a.rows, a.cols, a.dtype);
  residualForward(out.data, a.data, b.data, a.data.length);
  return out;
}

/** Block `layer` of the model applied to x (T x nEmbd, one row per position, T <= blockSize), in evaluation mode. */
export function blockSteps(model: GPT, layer: number, x: Matrix): BlockSteps {
  const op = "blockSteps";
  checkModel(op, model);
  const { nEmbd: C, nHead, nLayer, blockSize, norm } = model.config;
  if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer) throw new RangeError(`${op}: layer ${layer} is outside [0, ${nLayer})`);
  if (!(x instanceof Matrix)) throw new TypeError(`${op}: x must be a Matrix (T x nEmbd), got ${typeof x}`);
  if (x.cols !== C) throw new RangeError(`${op}: x is ${shapeText(x)} but the model's nEmbd is ${C}: x needs ${C} columns`);
  if (x.rows > blockSize) throw new RangeError(`${op}: x has ${x.rows} rows (positions), more than blockSize ${blockSize}`);
  assertFinite(op, "x", x);
  const input = x.astype(model.dtype);
  const T = input.rows, dtype = model.dtype, h = `transformer.h.${layer}`;

  const attentionBranch = (from: Matrix) => {
    const qkv = linearOf(from, model, `${h}.attn.c_attn`, 3 * C);
    const state = attentionState(dtype, 1, T, C, nHead, false);
    const heads = matrix(T, C, dtype);
    const weightsOf = () => Array.from({ length: nHead }, (_, k) => new Matrix(T, T, state.weights.slice(k * T * T, (k + 1) * T * T)));
    if (model.config.attention === "moh") {
      const mix = headMixtureState(dtype, 1, T, C, nHead), mixed = matrix(T, C / nHead, dtype);
      mixtureOfHeadsForward(mixed.data, qkv.data, from.data, model.parameter(`${h}.attn.g_proj.weight`).data, state, mix, 1, T, C, nHead);
      heads.data.set(mix.heads);
      const headGates = new Matrix(T, nHead, mix.gates);
      return { qkv, weights: weightsOf(), heads, headGates, mixed, attention: linearOf(mixed, model, `${h}.attn.c_proj`, C) };
    }
    attentionForward(heads.data, qkv.data, state, 1, T, C, nHead);
    return { qkv, weights: weightsOf(), heads, attention: linearOf(heads, model, `${h}.attn.c_proj`, C) };
  };
  const mlpBranch = (from: Matrix) => {
    if (model.config.network === "moe") return expertsBranch(from);
    const hidden = linearOf(from, model, `${h}.mlp.c_fc`, 4 * C);
    const gelu = matrix(T, 4 * C, dtype);
    geluForward(gelu.data, matrix(T, 4 * C, dtype).data, hidden.data, T * 4 * C);
    return { hidden, gelu, mlp: linearOf(gelu, model, `${h}.mlp.c_proj`, C) };
  };
  const expertsBranch = (from: Matrix) => {
    const { nExperts = 0, expertTopK = null, bias } = model.config;
    const tensor = (name: string) => model.parameter(`${h}.mlp.${name}`).data;
    const experts: MlpWeights[] = Array.from({ length: nExperts }, (_, e) => ({
      fcW: tensor(`experts.${e}.c_fc.weight`), fcB: bias ? tensor(`experts.${e}.c_fc.bias`) : null,
      fcProjW: tensor(`experts.${e}.c_proj.weight`), fcProjB: bias ? tensor(`experts.${e}.c_proj.bias`) : null,
    }));
    const state = expertMixtureState(dtype, T, C, nExperts, expertTopK), mlp = matrix(T, C, dtype);
    mixtureOfExpertsForward(mlp.data, from.data, tensor("gate.weight"), experts, state, T, C, expertTopK);
    const expertChoices = expertTopK === null ? undefined : Array.from({ length: T }, (_, t) => Array.from(state.choices.subarray(t * expertTopK, (t + 1) * expertTopK)));
    const hidden = matrix(T, 4 * C, dtype), gelu = matrix(T, 4 * C, dtype), W = 4 * C;
    const first = new Int32Array(T);
    topKRoute(first, matrix(T, 1, dtype).data, state.gateLogits, T, nExperts, 1); // each token's best expert, as the router picks
    for (let t = 0; t < T; t++) {
      const ex = state.experts[first[t]], i = ex.rows.subarray(0, ex.count).indexOf(t);
      hidden.data.set(ex.fc.subarray(i * W, (i + 1) * W), t * W);
      gelu.data.set(ex.gelu.subarray(i * W, (i + 1) * W), t * W);
    }
    return { hidden, gelu, expertGates: new Matrix(T, nExperts, state.probs), expertChoices, mlp };
  };

  if (norm === "pre") {
    const ln1 = layerNormOf(matrix(T, C, dtype), input, model, `${h}.ln_1`);
    const a = attentionBranch(ln1);
    const res1 = sum(input, a.attention);
    const ln2 = layerNormOf(matrix(T, C, dtype), res1, model, `${h}.ln_2`);
    const m = mlpBranch(ln2);
    const res2 = sum(res1, m.mlp);
    return { norm, input, ln1, ...a, res1, ln2, ...m, res2, output: res2 };
  }
  const a = attentionBranch(input);
  const res1 = sum(input, a.attention);
  const ln1 = layerNormOf(matrix(T, C, dtype), res1, model, `${h}.ln_1`);
  const m = mlpBranch(ln1);
  const res2 = sum(ln1, m.mlp);
  const ln2 = layerNormOf(matrix(T, C, dtype), res2, model, `${h}.ln_2`);
  return { norm, input, ln1, ...a, res1, ln2, ...m, res2, output: ln2 };
}

/** The whole forward pass of one sequence of token ids (at most blockSize), every step kept. */
export function forwardSteps(model: GPT, tokens: ArrayLike<number>): ForwardSteps {
  const op = "forwardSteps";
  checkModel(op, model);
  const { vocabSize: V, nEmbd: C, nLayer, blockSize } = model.config;
  checkTokenIds(op, "tokens", tokens, V);
  const T = tokens.length;
  if (T < 1 || T > blockSize) throw new RangeError(`${op}: ${T} tokens; the model reads 1 to blockSize ${blockSize}`);
  const ids = Array.from(tokens);
  ids.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new RangeError(`${op}: token id ${id} at position ${t} is outside the vocabulary [0, ${V})`);
  });
  const dtype = model.dtype;
  const wte = model.parameter("transformer.wte.weight").data, wpe = model.parameter("transformer.wpe.weight").data;
  const rowsOf = (table: Float, rows: number[]) => {
    const m = matrix(T, C, dtype);
    rows.forEach((r, t) => m.data.set(table.subarray(r * C, (r + 1) * C), t * C));
    return m;
  };
  const tokenEmbedding = rowsOf(wte, ids);
  const positionEmbedding = rowsOf(wpe, ids.map((_, t) => t));
  const embedding = matrix(T, C, dtype);
  embeddingForward(embedding.data, ids, wte, wpe, 1, T, C);
  const blocks: BlockSteps[] = [];
  let x = embedding;
  for (let l = 0; l < nLayer; l++) {
    blocks.push(blockSteps(model, l, x));
    x = blocks[l].output;
  }
  const final = layerNormOf(matrix(T, C, dtype), x, model, "transformer.ln_f");
  const logits = matrix(T, V, dtype);
  linearForward(logits.data, final.data, wte, null, T, C, V); // the LM head is wte itself
  return { tokens: ids, tokenEmbedding, positionEmbedding, embedding, blocks, final, logits };
}
