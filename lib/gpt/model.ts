// The GPT: token + position embeddings, nLayer transformer blocks, a final LayerNorm and the LM head tied to the
// token embedding, as nanoGPT's model.py; with norm "pre" (GPT-2) or "post" (the original Transformer).
// forward keeps every activation backward needs in buffers allocated when the batch shape grows, not at every step
// (the float64 path and dropout still allocate a little per call); backward walks the same layers in reverse, each
// layer file holding its own chain rule.
import type { DType } from "../core/matrix.js";
import { checkOptions, describe } from "../core/options.js";
import { sizeOf, tensorShapeText } from "../core/shape.js";
import { DEFAULT_SEED, GENERATOR_HINT, GENERATOR_KIND, SEED_HINT, SEED_RULE, Generator } from "../core/random.js";
import { checkConfig, type GPTConfig } from "./config.js";
import { checkForwardMemory, checkModelMemory } from "./memory.js";
import { initParameters, type Float, type Parameter } from "./parameters.js";
import { activationShapes, modelTensors, type ModelTensors } from "./tensors.js";
import { attentionBackward, attentionForward, attentionState, readableAttention, type AttentionState } from "./layers/attention.js";
import { crossEntropyBackward, crossEntropyForward } from "./layers/crossEntropy.js";
import { applyDropout, drawDropoutMask } from "./layers/dropout.js";
import { embeddingBackward, embeddingForward } from "./layers/embedding.js";
import { layerNormBackward, layerNormForward } from "./layers/layerNorm.js";
import { linearBackward, linearForward } from "./layers/linear.js";
import { mlpBackward, mlpForward, type MlpWeights } from "./layers/mlp.js";
import { headMixtureState, mixHeadsByGate, mixtureOfHeadsBackward, mixtureOfHeadsForward, type HeadMixtureState } from "./layers/mixtureOfHeads.js";
import { expertMixtureState, mixtureOfExpertsBackward, mixtureOfExpertsForward, type ExpertMixtureState } from "./layers/mixtureOfExperts.js";
import { residualBackward, residualForward } from "./layers/residual.js";
import type { KVCache } from "./kvCache.js";
import type { CharTokenizer } from "./training/tokenizer.js";
import { modelSummary } from "./summary.js";

export interface ForwardOptions {
  /** Next tokens, B x T: with them forward also returns the mean cross-entropy loss, and backward can run. */
  targets?: ArrayLike<number>;
  /** Training mode: dropout on (when config.dropout > 0). Default false, as evaluation. */
  training?: boolean;
  /** Where dropout draws from; the model's own generator (seeded by create) unless given. */
  generator?: Generator;
  /**
   * Generation with a KV cache (lib/gpt/kvCache.ts): the tokens (batch 1) come after the cache's positions,
   * attend to its keys and values too, and are appended to it. Use KVCache.append, which calls this.
   */
  cache?: KVCache;
}

export interface ForwardResult {
  /** (B, T, vocabSize), row-major. The model's own buffer: the next forward overwrites it (slice() to keep it). */
  logits: Float;
  loss: number | undefined;
  /**
   * A sparse mixture of experts' load-balancing loss, summed over layers (with targets; absent otherwise). loss
   * stays the cross-entropy alone; backward differentiates loss + auxLossWeight * auxLoss.
   */
  auxLoss?: number;
}

interface BlockParameters {
  ln1w: Float; ln1b: Float | null; attnW: Float; attnB: Float | null; projW: Float; projB: Float | null;
  ln2w: Float; ln2b: Float | null; fcW: Float; fcB: Float | null; fcProjW: Float; fcProjB: Float | null;
  /** attention "moh": g_proj; network "moe": the gate and the experts (fcW... stay empty then). */
  headGateW: Float | null; expertGateW: Float | null; experts: MlpWeights[];
}

// The activations of one block. Pre-norm: res1 = x + attn(ln1(x)), res2 = res1 + mlp(ln2(res1)), output res2.
// Post-norm: res1 = x + attn(x), ln1 = LN(res1), res2 = ln1 + mlp(ln1), output ln2 = LN(res2).
interface BlockActivations {
  ln1: Float; ln1Mean: Float; ln1Rstd: Float;
  qkv: Float; attention: AttentionState; attY: Float; attProj: Float; attMask: Float | null;
  res1: Float;
  ln2: Float; ln2Mean: Float; ln2Rstd: Float;
  fc: Float; geluTanh: Float; gelu: Float; mlpProj: Float; mlpMask: Float | null;
  res2: Float;
  headMixture: HeadMixtureState | null; expertMixture: ExpertMixtureState | null;
}

interface Buffers {
  /** The shape of the last forward. */
  B: number;
  T: number;
  /** The shape the buffers were sized for (rows = batch x time): any B x T with B T <= rows, B T T <= batch time^2 and T <= time fits. */
  capacityBatch: number;
  capacityTime: number;
  capacityRows: number;
  tokens: Int32Array;
  targets: Int32Array;
  embedding: Float; embeddingMask: Float | null;
  blocks: BlockActivations[];
  lnf: Float; lnfMean: Float; lnfRstd: Float;
  logits: Float; probs: Float;
  // gradients of activations, reused by every layer
  dlogits: Float; dres: Float; dA: Float; dB: Float; dMasked: Float; dAttY: Float; dqkv: Float; dGelu: Float; dFc: Float;
}

const FORWARD_OPTIONS = { targets: "object", training: "boolean", generator: GENERATOR_KIND, cache: "object" } as const;

export class GPT {
  readonly config: GPTConfig;
  readonly dtype: DType;
  /** Every learnable tensor, in nanoGPT's order (see parameters.ts). */
  readonly parameters: Parameter[];
  /** Where every tensor lives: one memory for parameters, gradients, AdamW's moments and activations (tensors.ts). */
  private readonly tensors: ModelTensors;
  private readonly byName: Map<string, Parameter>;
  private readonly blockParameters: BlockParameters[];
  private readonly blockGradients: BlockParameters[];
  private readonly generator: Generator;
  private buffers: Buffers | null = null;
  private lastLoss: number | undefined = undefined;
  private lastAuxLoss: number | undefined = undefined;
  private lastTraining = false;
  private lastCache: KVCache | undefined = undefined;
  /** The characters the model reads, when known: train attaches its dataset's, readCheckpoint the file's; saveCheckpoint stores them. */
  tokenizer: CharTokenizer | undefined = undefined;

  private constructor(config: GPTConfig, dtype: DType, tensors: ModelTensors, generator: Generator) {
    this.config = config;
    this.dtype = dtype;
    this.tensors = tensors;
    this.parameters = tensors.parameters;
    this.byName = new Map(this.parameters.map((p) => [p.name, p]));
    this.generator = generator;
    this.blockParameters = Array.from({ length: config.nLayer }, (_, l) => this.blockTensors(l, "data"));
    this.blockGradients = Array.from({ length: config.nLayer }, (_, l) => this.blockTensors(l, "grad"));
  }

  /** A new model with nanoGPT's init: GPT.create(config, { seed }) equals torch.manual_seed(seed); GPT(config) (float32 draws). */
  static create(config: GPTConfig, options: { seed?: number; dtype?: DType } = {}): GPT {
    const { seed = DEFAULT_SEED, dtype = "float32" } = checkOptions("GPT.create", options, { seed: SEED_RULE, dtype: ["float32", "float64"] }, GENERATOR_HINT);
    const checked = checkConfig("GPT.create", config);
    checkModelMemory("GPT.create", checked, dtype);
    const generator = new Generator(seed);
    const tensors = modelTensors(checked, dtype);
    initParameters(tensors.parameters, checked, generator);
    return new GPT(checked, dtype, tensors, generator);
  }

  /**
   * A model holding the given tensors (nanoGPT names and shapes, values copied into the dtype). Every parameter
   * must be there; lm_head.weight may be too, if equal to transformer.wte.weight (it is the same tensor).
   */
  static fromParameters(config: GPTConfig, tensors: Map<string, { shape: readonly number[]; data: ArrayLike<number> }>, options: { dtype?: DType; seed?: number } = {}): GPT {
    const { dtype = "float32", seed = DEFAULT_SEED } = checkOptions("GPT.fromParameters", options, { dtype: ["float32", "float64"], seed: SEED_RULE }, GENERATOR_HINT);
    const checked = checkConfig("GPT.fromParameters", config);
    if (!(tensors instanceof Map)) throw new TypeError(`GPT.fromParameters: tensors must be a Map from nanoGPT's names to { shape, data }, got ${describe(tensors)}`);
    checkModelMemory("GPT.fromParameters", checked, dtype);
    const memory = modelTensors(checked, dtype);
    const parameters = memory.parameters;
    const known = new Set(parameters.map((p) => p.name));
    for (const p of parameters) {
      const tensor = tensors.get(p.name);
      if (tensor === undefined) throw new RangeError(`GPT.fromParameters: tensor ${p.name} ${tensorShapeText(p.shape)} is missing`);
      if (tensor === null || typeof tensor !== "object" || !Array.isArray(tensor.shape) || typeof tensor.data?.length !== "number") {
        throw new TypeError(`GPT.fromParameters: tensor ${p.name} is ${describe(tensor)}, not { shape, data }`);
      }
      if (tensor.shape.length !== p.shape.length || tensor.shape.some((d, i) => d !== p.shape[i])) {
        throw new RangeError(`GPT.fromParameters: tensor ${p.name} has shape ${tensorShapeText(tensor.shape)}, the config needs ${tensorShapeText(p.shape)}`);
      }
      if (tensor.data.length !== sizeOf(p.shape)) {
        throw new RangeError(`GPT.fromParameters: tensor ${p.name} ${tensorShapeText(p.shape)} needs ${sizeOf(p.shape)} values, got ${tensor.data.length}`);
      }
      for (let i = 0; i < p.data.length; i++) {
        const value = tensor.data[i];
        if (!Number.isFinite(value)) throw new RangeError(`GPT.fromParameters: tensor ${p.name} holds ${value} at index ${i}`);
        p.data[i] = value;
      }
    }
    for (const [name, tensor] of tensors) {
      if (known.has(name)) continue;
      if (name === "lm_head.weight") {
        const wte = tensors.get("transformer.wte.weight") as { data: ArrayLike<number> };
        const same = tensor.data.length === wte.data.length && Array.prototype.every.call(tensor.data, (v: number, i: number) => v === wte.data[i]);
        if (!same) throw new RangeError("GPT.fromParameters: lm_head.weight differs from transformer.wte.weight; this model ties them");
        continue;
      }
      throw new RangeError(`GPT.fromParameters: unknown tensor ${name}; the config ${JSON.stringify(checked)} has no such parameter`);
    }
    return new GPT(checked, dtype, memory, new Generator(seed));
  }

  /** The parameter of that nanoGPT name. */
  parameter(name: string): Parameter {
    const p = this.byName.get(name);
    if (p === undefined) {
      const some = this.parameters.slice(0, 4).map((q) => q.name).join(", ");
      throw new RangeError(`GPT.parameter: no parameter named "${name}"; there are ${this.parameters.length}, e.g. ${some}, ...`);
    }
    return p;
  }

  /** The layers as a table: kind, shapes and parameter count of each, and the total (print it, or end a notebook cell with it). */
  summary(): string {
    return modelSummary(this);
  }

  /** Sets every gradient to 0 (backward adds into them). */
  zeroGrad(): void {
    this.tensors.grad.fill(0); // every gradient, one region
  }

  /** The attention weights (B, nHead, T, T) of a layer in the last forward (before dropout), for pictures. */
  attentionWeights(layer: number): Float {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.config.nLayer) {
      throw new RangeError(`GPT.attentionWeights: layer ${layer} is outside [0, ${this.config.nLayer})`);
    }
    const buffers = this.buffers;
    if (buffers === null) throw new Error("GPT.attentionWeights: run forward first");
    if (this.lastCache !== undefined) throw new Error("GPT.attentionWeights: the last forward used a KV cache, which keeps no (T, T) weights; run forward without one");
    const { B, T } = buffers;
    return buffers.blocks[layer].attention.weights.subarray(0, B * this.config.nHead * T * T);
  }

  /** Logits for tokens (B x T ids, row-major), and the loss when targets are given. */
  forward(tokens: ArrayLike<number>, batch: number, time: number, options: ForwardOptions = {}): ForwardResult {
    const { targets, training = false, generator = this.generator, cache } = checkOptions("GPT.forward", options, FORWARD_OPTIONS, SEED_HINT);
    const { vocabSize: V, blockSize, nEmbd: C, nLayer, dropout } = this.config;
    for (const [name, n] of [["batch", batch], ["time", time]] as const) {
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) throw new RangeError(`GPT.forward: ${name} must be an integer >= 1, got ${describe(n)}`);
    }
    const start = cache === undefined ? 0 : cache.begin(this, batch, time, targets !== undefined || training);
    if (start + time > blockSize) {
      throw new RangeError(`GPT.forward: a sequence of ${time} tokens${start > 0 ? ` after ${start} cached ones` : ""} is longer than blockSize ${blockSize}`);
    }
    const B = batch, T = time, N = B * T;
    checkTokens("tokens", tokens, N, V, B, T);
    if (targets !== undefined) checkTokens("targets", targets, N, V, B, T);
    this.lastLoss = undefined; // backward needs this forward to finish: a failed one leaves nothing to differentiate
    const buf = this.ensureBuffers(B, T);
    for (let i = 0; i < N; i++) buf.tokens[i] = tokens[i];
    const drop = training && dropout > 0;
    this.lastTraining = drop;
    this.lastCache = cache;

    const wte = this.parameter("transformer.wte.weight").data;
    embeddingForward(buf.embedding, buf.tokens, wte, this.parameter("transformer.wpe.weight").data, B, T, C, start);
    if (drop) this.dropout(buf.embedding, buf.embeddingMask as Float, N * C, generator);
    let x = buf.embedding;
    this.lastAuxLoss = undefined;
    for (let l = 0; l < nLayer; l++) x = this.blockForward(l, x, B, T, drop, generator);
    layerNormForward(buf.lnf, buf.lnfMean, buf.lnfRstd, x, this.parameter("transformer.ln_f.weight").data, this.bias("transformer.ln_f.bias"), N, C);
    linearForward(buf.logits, buf.lnf, wte, null, N, C, V); // the LM head is wte itself: logits = ln_f(x) wte^T
    const logits = buf.logits.subarray(0, N * V);
    cache?.commit(buf.tokens, T);
    if (targets === undefined) {
      this.lastLoss = undefined;
      return { logits, loss: undefined };
    }
    for (let i = 0; i < N; i++) buf.targets[i] = targets[i];
    const loss = crossEntropyForward(buf.probs, buf.logits, buf.targets, N, V);
    if (!Number.isFinite(loss)) throw new RangeError(`GPT.forward: the loss is ${loss}; a weight or an activation overflowed (a learning rate too high?)`);
    this.lastLoss = loss;
    return this.lastAuxLoss === undefined ? { logits, loss } : { logits, loss, auxLoss: this.lastAuxLoss };
  }

  /** Gradients of the last forward's loss, ADDED into every parameter.grad (call zeroGrad first). */
  backward(): void {
    const buf = this.buffers;
    if (buf === null || this.lastLoss === undefined) throw new Error("GPT.backward: needs a forward with targets first, one that finished (there is no loss to differentiate)");
    const { vocabSize: V, nEmbd: C, nLayer } = this.config;
    const { B, T } = buf;
    const N = B * T;
    const wte = this.parameter("transformer.wte.weight");
    crossEntropyBackward(buf.dlogits, buf.probs, buf.targets, N, V);
    linearBackward(buf.dA, wte.grad, null, buf.dlogits, buf.lnf, wte.data, N, C, V);
    const lnOut = nLayer > 0 ? this.blockOutput(nLayer - 1) : buf.embedding;
    layerNormBackward(buf.dres, this.grad("transformer.ln_f.weight"), this.biasGrad("transformer.ln_f.bias"), buf.dA, lnOut,
      this.parameter("transformer.ln_f.weight").data, buf.lnfMean, buf.lnfRstd, N, C);
    for (let l = nLayer - 1; l >= 0; l--) this.blockBackward(l, l === 0 ? buf.embedding : this.blockOutput(l - 1), B, T);
    if (this.lastTraining) applyDropout(buf.dres, buf.embeddingMask as Float, N * C);
    embeddingBackward(wte.grad, this.grad("transformer.wpe.weight"), buf.dres, buf.tokens, B, T, C);
  }

  private bias(name: string): Float | null {
    return this.config.bias ? this.parameter(name).data : null;
  }

  private biasGrad(name: string): Float | null {
    return this.config.bias ? this.parameter(name).grad : null;
  }

  private grad(name: string): Float {
    return this.parameter(name).grad;
  }

  // Layer l's weights (or their gradients) by role, looked up once.
  private blockTensors(l: number, which: "data" | "grad"): BlockParameters {
    const h = `transformer.h.${l}`;
    const get = (name: string): Float => this.parameter(`${h}.${name}`)[which];
    const maybe = (name: string): Float | null => (this.config.bias ? get(name) : null);
    const mlp = (prefix: string): MlpWeights => ({
      fcW: get(`${prefix}.c_fc.weight`), fcB: maybe(`${prefix}.c_fc.bias`), fcProjW: get(`${prefix}.c_proj.weight`), fcProjB: maybe(`${prefix}.c_proj.bias`),
    });
    const moe = this.config.network === "moe", none = new Float64Array(0);
    return {
      ln1w: get("ln_1.weight"), ln1b: maybe("ln_1.bias"), attnW: get("attn.c_attn.weight"), attnB: maybe("attn.c_attn.bias"),
      projW: get("attn.c_proj.weight"), projB: maybe("attn.c_proj.bias"), ln2w: get("ln_2.weight"), ln2b: maybe("ln_2.bias"),
      ...(moe ? { fcW: none, fcB: null, fcProjW: none, fcProjB: null } : mlp("mlp")),
      headGateW: this.config.attention === "moh" ? get("attn.g_proj.weight") : null,
      expertGateW: moe ? get("mlp.gate.weight") : null,
      experts: moe ? Array.from({ length: this.config.nExperts as number }, (_, e) => mlp(`mlp.experts.${e}`)) : [],
    };
  }

  private blockOutput(l: number): Float {
    const a = (this.buffers as Buffers).blocks[l];
    return this.config.norm === "pre" ? a.res2 : a.ln2;
  }

  private dropout(x: Float, mask: Float, n: number, generator: Generator): void {
    drawDropoutMask(mask, this.config.dropout, generator, n);
    applyDropout(x, mask, n);
  }

  private blockForward(l: number, x: Float, B: number, T: number, drop: boolean, generator: Generator): Float {
    const { nEmbd: C, norm } = this.config;
    const N = B * T;
    const p = this.blockParameters[l];
    const a = (this.buffers as Buffers).blocks[l];
    if (norm === "pre") {
      layerNormForward(a.ln1, a.ln1Mean, a.ln1Rstd, x, p.ln1w, p.ln1b, N, C);
      this.attentionBranch(l, a.ln1, B, T, drop, generator);
      residualForward(a.res1, x, a.attProj, N * C);
      layerNormForward(a.ln2, a.ln2Mean, a.ln2Rstd, a.res1, p.ln2w, p.ln2b, N, C);
      this.mlpBranch(l, a.ln2, N, drop, generator);
      residualForward(a.res2, a.res1, a.mlpProj, N * C);
      return a.res2;
    }
    this.attentionBranch(l, x, B, T, drop, generator);
    residualForward(a.res1, x, a.attProj, N * C);
    layerNormForward(a.ln1, a.ln1Mean, a.ln1Rstd, a.res1, p.ln1w, p.ln1b, N, C);
    this.mlpBranch(l, a.ln1, N, drop, generator);
    residualForward(a.res2, a.ln1, a.mlpProj, N * C);
    layerNormForward(a.ln2, a.ln2Mean, a.ln2Rstd, a.res2, p.ln2w, p.ln2b, N, C);
    return a.ln2;
  }

  // attProj = dropout(c_proj(attention(c_attn(input))))
  private attentionBranch(l: number, input: Float, B: number, T: number, drop: boolean, generator: Generator): void {
    const { nEmbd: C, nHead } = this.config;
    const N = B * T;
    const p = this.blockParameters[l];
    const a = (this.buffers as Buffers).blocks[l];
    linearForward(a.qkv, input, p.attnW, p.attnB, N, C, 3 * C);
    a.attention.dropout = drop;
    if (drop) drawDropoutMask(a.attention.mask as Float, this.config.dropout, generator, B * nHead * T * T);
    const cache = this.lastCache;
    cache?.keep(l, a.qkv, T);
    if (cache !== undefined && cache.length > 0) {
      // the new rows attend to the kept ones too: the heads side by side (mha), then mixed by the gate (moh)
      cache.attend(l, a.headMixture === null ? a.attY : a.headMixture.heads, a.qkv, T);
      if (a.headMixture !== null) mixHeadsByGate(a.attY, input, p.headGateW as Float, a.headMixture, N, C, nHead);
    } else if (a.headMixture === null) attentionForward(a.attY, a.qkv, a.attention, B, T, C, nHead);
    else mixtureOfHeadsForward(a.attY, a.qkv, input, p.headGateW as Float, a.attention, a.headMixture, B, T, C, nHead);
    linearForward(a.attProj, a.attY, p.projW, p.projB, N, this.attentionWidth(), C);
    if (drop) this.dropout(a.attProj, a.attMask as Float, N * C, generator);
  }

  // The width c_proj reads: the heads side by side (C), or their mixture (one head, hs).
  private attentionWidth(): number {
    return this.config.attention === "moh" ? this.config.nEmbd / this.config.nHead : this.config.nEmbd;
  }

  // mlpProj = dropout(c_proj(gelu(c_fc(input)))), or dropout(the mixture of experts(input))
  private mlpBranch(l: number, input: Float, N: number, drop: boolean, generator: Generator): void {
    const C = this.config.nEmbd;
    const p = this.blockParameters[l];
    const a = (this.buffers as Buffers).blocks[l];
    if (a.expertMixture === null) mlpForward(a.mlpProj, a, input, p, N, C);
    else {
      const aux = mixtureOfExpertsForward(a.mlpProj, input, p.expertGateW as Float, p.experts, a.expertMixture, N, C, this.config.expertTopK ?? null);
      if (aux !== undefined) this.lastAuxLoss = (this.lastAuxLoss ?? 0) + aux;
    }
    if (drop) this.dropout(a.mlpProj, a.mlpMask as Float, N * C, generator);
  }

  // On entry buf.dres is the gradient of the block's output; on exit, of its input x.
  private blockBackward(l: number, x: Float, B: number, T: number): void {
    const buf = this.buffers as Buffers;
    const { nEmbd: C, norm } = this.config;
    const N = B * T;
    const p = this.blockParameters[l];
    const g = this.blockGradients[l];
    const a = buf.blocks[l];
    let { dres, dA, dB } = buf;
    if (norm === "pre") {
      this.mlpBranchBackward(l, dres, dA, a.ln2, N); // dA: gradient of ln2's output
      layerNormBackward(dB, g.ln2w, g.ln2b, dA, a.res1, p.ln2w, a.ln2Mean, a.ln2Rstd, N, C);
      residualBackward(dB, dres, N * C); // dB: gradient of res1
      [dres, dB] = [dB, dres];
      this.attentionBranchBackward(l, dres, dA, a.ln1, B, T);
      layerNormBackward(dB, g.ln1w, g.ln1b, dA, x, p.ln1w, a.ln1Mean, a.ln1Rstd, N, C);
      residualBackward(dB, dres, N * C); // dB: gradient of x
      [dres, dB] = [dB, dres];
    } else {
      layerNormBackward(dA, g.ln2w, g.ln2b, dres, a.res2, p.ln2w, a.ln2Mean, a.ln2Rstd, N, C); // dA: gradient of res2
      this.mlpBranchBackward(l, dA, dB, a.ln1, N);
      residualBackward(dB, dA, N * C); // dB: gradient of ln1's output
      layerNormBackward(dA, g.ln1w, g.ln1b, dB, a.res1, p.ln1w, a.ln1Mean, a.ln1Rstd, N, C); // dA: gradient of res1
      this.attentionBranchBackward(l, dA, dB, x, B, T);
      residualBackward(dB, dA, N * C); // dB: gradient of x
      [dres, dB] = [dB, dres];
    }
    buf.dres = dres;
    buf.dA = dA;
    buf.dB = dB;
  }

  // dInput = gradient of the attention branch's input, from dOut (its output's), written.
  private attentionBranchBackward(l: number, dOut: Float, dInput: Float, input: Float, B: number, T: number): void {
    const buf = this.buffers as Buffers;
    const { nEmbd: C, nHead } = this.config;
    const N = B * T;
    const p = this.blockParameters[l];
    const g = this.blockGradients[l];
    const a = buf.blocks[l];
    const dProj = this.throughDropout(dOut, a.attMask, N * C);
    linearBackward(buf.dAttY, g.projW, g.projB, dProj, a.attY, p.projW, N, this.attentionWidth(), C);
    const mix = a.headMixture;
    if (mix === null) attentionBackward(buf.dqkv, buf.dAttY, a.attention, B, T, C, nHead);
    else mixtureOfHeadsBackward(buf.dqkv, g.headGateW as Float, buf.dAttY, input, p.headGateW as Float, a.attention, mix, B, T, C, nHead);
    linearBackward(dInput, g.attnW, g.attnB, buf.dqkv, input, p.attnW, N, C, 3 * C);
    if (mix !== null) residualBackward(dInput, mix.dx, N * C); // input fed the gate too: its two gradients add
  }

  private mlpBranchBackward(l: number, dOut: Float, dInput: Float, input: Float, N: number): void {
    const buf = this.buffers as Buffers;
    const C = this.config.nEmbd;
    const p = this.blockParameters[l];
    const g = this.blockGradients[l];
    const a = buf.blocks[l];
    const dProj = this.throughDropout(dOut, a.mlpMask, N * C);
    if (a.expertMixture === null) mlpBackward(dInput, g, dProj, input, a, p, buf, N, C);
    else {
      const { expertTopK = null, auxLossWeight = 0 } = this.config;
      mixtureOfExpertsBackward(dInput, g.expertGateW as Float, g.experts, dProj, input, p.expertGateW as Float, p.experts, a.expertMixture, N, C, expertTopK, auxLossWeight);
    }
  }

  // Dropout's gradient is its mask times dOut; dOut itself is still needed by the residual, so into a scratch.
  private throughDropout(dOut: Float, mask: Float | null, n: number): Float {
    if (!this.lastTraining || mask === null) return dOut;
    const buf = this.buffers as Buffers;
    buf.dMasked.set(dOut.subarray(0, n));
    applyDropout(buf.dMasked, mask, n);
    return buf.dMasked;
  }

  // Every buffer is used from its start with the current B and T, so buffers sized for a larger batch serve a
  // smaller one: a model that trains on (12, 64) and generates with (1, t) allocates once.
  private ensureBuffers(B: number, T: number): Buffers {
    const old = this.buffers;
    if (old !== null && B * T <= old.capacityRows && B * T * T <= old.capacityBatch * old.capacityTime * old.capacityTime && T <= old.capacityTime) {
      old.B = B;
      old.T = T;
      return old;
    }
    if (old !== null) {
      // grow to cover both shapes
      const rows = Math.max(B * T, old.capacityRows), time = Math.max(T, old.capacityTime);
      return this.allocate(Math.max(B, Math.ceil(rows / time), old.capacityBatch), time, B, T);
    }
    return this.allocate(B, T, B, T);
  }

  private allocate(capacityB: number, capacityT: number, B: number, T: number): Buffers {
    const { nEmbd: C, nHead, nLayer, dropout, nExperts = 0, expertTopK = null } = this.config;
    checkForwardMemory("GPT.forward", this.config, this.dtype, capacityB, capacityT);
    const N = capacityB * capacityT, withDropout = dropout > 0;
    const views = this.tensors.activations(activationShapes(this.config, capacityB, capacityT, readableAttention(this.dtype, withDropout)));
    const f = (name: string): Float => views.get(name) as Float;
    const maybe = (name: string): Float | null => views.get(name) ?? null;
    const none = this.dtype === "float32" ? new Float32Array(0) : new Float64Array(0); // the MLP's buffers, in a model of experts
    // the views under a prefix, by the rest of their names: a layer state's own names
    const under = (prefix: string): Map<string, Float> =>
      new Map([...views].filter(([name]) => name.startsWith(prefix)).map(([name, view]) => [name.slice(prefix.length), view]));
    const blocks: BlockActivations[] = [];
    for (let l = 0; l < nLayer; l++) {
      const h = (name: string): string => `h.${l}.${name}`;
      blocks.push({
        ln1: f(h("ln1")), ln1Mean: f(h("ln1Mean")), ln1Rstd: f(h("ln1Rstd")),
        qkv: f(h("qkv")), attention: attentionState(this.dtype, capacityB, capacityT, C, nHead, withDropout, under(h("attention."))),
        attY: f(h("attY")), attProj: f(h("attProj")), attMask: maybe(h("attMask")), res1: f(h("res1")),
        ln2: f(h("ln2")), ln2Mean: f(h("ln2Mean")), ln2Rstd: f(h("ln2Rstd")),
        fc: maybe(h("fc")) ?? none, geluTanh: maybe(h("geluTanh")) ?? none, gelu: maybe(h("gelu")) ?? none,
        mlpProj: f(h("mlpProj")), mlpMask: maybe(h("mlpMask")), res2: f(h("res2")),
        headMixture: this.config.attention === "moh" ? headMixtureState(this.dtype, capacityB, capacityT, C, nHead, under(h("headMixture."))) : null,
        expertMixture: this.config.network === "moe" ? expertMixtureState(this.dtype, N, C, nExperts, expertTopK, under(h("expertMixture."))) : null,
      });
    }
    this.buffers = {
      B, T, capacityBatch: capacityB, capacityTime: capacityT, capacityRows: N, tokens: new Int32Array(N), targets: new Int32Array(N),
      embedding: f("embedding"), embeddingMask: maybe("embeddingMask"), blocks,
      lnf: f("lnf"), lnfMean: f("lnfMean"), lnfRstd: f("lnfRstd"), logits: f("logits"), probs: f("probs"),
      dlogits: f("dlogits"), dres: f("dres"), dA: f("dA"), dB: f("dB"), dMasked: f("dMasked"), dAttY: f("dAttY"), dqkv: f("dqkv"),
      dGelu: f("dGelu"), dFc: f("dFc"),
    };
    this.lastLoss = undefined;
    return this.buffers;
  }
}


function checkTokens(what: string, tokens: ArrayLike<number>, N: number, V: number, B: number, T: number): void {
  if (tokens === null || typeof tokens !== "object" || typeof tokens.length !== "number") {
    throw new TypeError(`GPT.forward: ${what} must be an array of token ids`);
  }
  if (tokens.length !== N) throw new RangeError(`GPT.forward: ${what} has ${tokens.length} ids; batch ${B} x time ${T} needs ${N}`);
  for (let i = 0; i < N; i++) {
    const id = tokens[i];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new RangeError(`GPT.forward: ${what} id ${id} at batch row ${Math.floor(i / T)}, position ${i % T} is outside the vocabulary [0, ${V})`);
    }
  }
}
