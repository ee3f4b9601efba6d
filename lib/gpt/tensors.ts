// Where a GPT's numbers live, laid out as llm.c lays out a model: one table of names and shapes, and every tensor
// (parameters, their gradients, AdamW's two moments, every activation) a view of one memory per model. For a
// float32 model that memory is a WebAssembly.Memory with its own instance of the kernels, so a layer's arrays reach
// the kernels as offsets, never copied, and a layer written as a plain function over these views is zero-copy by
// itself; AdamW, clipping and zeroGrad each make one pass over contiguous memory. A model no longer used is freed
// by the garbage collector with its memory. float64 models (the readable path) and machines without WebAssembly
// carve the same table from ordinary arrays.
import type { DType } from "../core/matrix.js";
import { WasmHeap, wasmKernels } from "../kernels/wasm.js";
import type { GPTConfig } from "./config.js";
import { attentionStateShapes } from "./layers/attention.js";
import { headMixtureShapes } from "./layers/mixtureOfHeads.js";
import { expertMixtureShapes } from "./layers/mixtureOfExperts.js";
import { sizeOf } from "../core/shape.js";
import { parameterShapes, type Float, type Parameter } from "./parameters.js";

export interface TensorShape {
  name: string;
  shape: number[];
}

/** Each tensor starts 4 floats (16 bytes of float32) after a multiple of 4: the SIMD kernels read and write 4 at a time, into the padding. */
const padded = (count: number): number => Math.ceil(count / 4) * 4;

/** Offsets (in floats) of the tensors of a table laid end to end, each padded to 4 floats, and the total. */
export function layout(table: readonly TensorShape[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const { shape } of table) {
    offsets.push(total);
    total += padded(sizeOf(shape));
  }
  return { offsets, total };
}

// The tensors of a model's parameter list, for AdamW, clipGradNorm and zeroGrad to find their contiguous regions.
const byParameters = new WeakMap<readonly Parameter[], ModelTensors>();

/** The model tensors that a parameter list is the list of (GPT.parameters), if it is one. */
export function tensorsOf(parameters: readonly Parameter[]): ModelTensors | undefined {
  return byParameters.get(parameters);
}

/**
 * A model's memory. Four regions laid out alike (parameter i at offsets[i] in each): data, grad, AdamW's expAvg and
 * expAvgSq; then the activations of the current batch shape, carved again when the model needs a larger one.
 */
export class ModelTensors {
  readonly dtype: DType;
  /** The WebAssembly memory (float32 where the kernels run), or null: ordinary arrays. */
  readonly heap: WasmHeap | null;
  /** In the table's order (nanoGPT's named_parameters()), each data and grad a view of its region. */
  readonly parameters: Parameter[];
  /** Float offset of each parameter in a region. */
  readonly offsets: number[];
  readonly data: Float;
  readonly grad: Float;
  readonly expAvg: Float;
  readonly expAvgSq: Float;
  /** AdamW's per-tensor table for the one-pass kernel: byte offset, float count, decay (3 x 4 bytes per tensor). */
  readonly adamTable: Float32Array | null;
  /** The optimizer whose moments are expAvg and expAvgSq (the newest AdamW over these parameters). */
  optimizer: object | null = null;
  private readonly activationsStart: number;

  constructor(table: readonly TensorShape[], dtype: DType, activationHint = 0) {
    this.dtype = dtype;
    const { offsets, total } = layout(table);
    this.offsets = offsets;
    this.heap = dtype === "float32" && wasmKernels().available ? heapOrNull(4 * (4 * total + activationHint) + 65536) : null;
    const regions = this.heap !== null ? this.heap.allocate("GPT", 4 * total) : dtype === "float32" ? new Float32Array(4 * total) : new Float64Array(4 * total);
    [this.data, this.grad, this.expAvg, this.expAvgSq] = [0, 1, 2, 3].map((r) => regions.subarray(r * total, (r + 1) * total));
    this.adamTable = this.heap !== null ? this.heap.allocate("GPT", 3 * table.length) : null;
    this.activationsStart = this.heap !== null ? this.heap.top : 0;
    this.parameters = table.map(({ name, shape }, i) => {
      const [start, end] = [offsets[i], offsets[i] + sizeOf(shape)];
      return { name, shape: [...shape], data: this.data.subarray(start, end), grad: this.grad.subarray(start, end) };
    });
    byParameters.set(this.parameters, this);
  }

  /** A parameter's AdamW moments (views of expAvg and expAvgSq). */
  moments(index: number): { expAvg: Float; expAvgSq: Float } {
    const start = this.offsets[index], end = start + this.parameters[index].data.length;
    return { expAvg: this.expAvg.subarray(start, end), expAvgSq: this.expAvgSq.subarray(start, end) };
  }

  /**
   * Zeroed views of the tensors of a table (flat, by name), replacing the previous activations: the memory they
   * used is reused, so views from an earlier call must no longer be used.
   */
  activations(table: readonly TensorShape[]): Map<string, Float> {
    const { offsets, total } = layout(table);
    let region: Float;
    if (this.heap !== null) {
      this.heap.top = this.activationsStart;
      region = this.heap.allocate("GPT.forward", total);
    } else {
      region = this.dtype === "float32" ? new Float32Array(total) : new Float64Array(total);
    }
    return new Map(table.map(({ name, shape }, i) => [name, region.subarray(offsets[i], offsets[i] + sizeOf(shape))]));
  }
}

// A process short of address space (ulimit -v, many models at once) cannot reserve one more WebAssembly memory:
// the model then lives in plain arrays, and the kernels copy in and out as for any array.
function heapOrNull(bytes: number): WasmHeap | null {
  try {
    return new WasmHeap(bytes);
  } catch {
    return null;
  }
}

/** A model's parameters (nanoGPT's names and shapes, LayerNorm weights 1, the rest 0) in a memory of their own. */
export function modelTensors(config: GPTConfig, dtype: DType): ModelTensors {
  const tensors = new ModelTensors(parameterShapes(config), dtype);
  for (const p of tensors.parameters) if (/ln_\w+\.weight$/.test(p.name)) p.data.fill(1);
  return tensors;
}

/**
 * The activations of a forward and backward on B x T tokens (N = B T rows), by name: per block "h.{l}.{name}"
 * (its attention's state "h.{l}.attention.{name}"), then ln_f, the logits, and the gradients of activations that
 * backward reuses from layer to layer. Dropout masks only with dropout; Q, K, V split by head only where the
 * readable attention loops run.
 */
export function activationShapes(config: GPTConfig, B: number, T: number, readableAttention: boolean): TensorShape[] {
  const { vocabSize: V, nEmbd: C, nHead, nLayer, dropout } = config;
  const N = B * T, withDropout = dropout > 0;
  const table: TensorShape[] = [];
  const add = (name: string, ...shape: number[]): void => {
    table.push({ name, shape });
  };
  const mask = (name: string, ...shape: number[]): void => {
    if (withDropout) add(name, ...shape);
  };
  add("embedding", N, C);
  mask("embeddingMask", N, C);
  for (let l = 0; l < nLayer; l++) {
    const h = `h.${l}.`;
    add(`${h}ln1`, N, C); add(`${h}ln1Mean`, N); add(`${h}ln1Rstd`, N);
    add(`${h}qkv`, N, 3 * C);
    for (const { name, shape } of attentionStateShapes(B, T, C, nHead, withDropout, readableAttention)) add(`${h}attention.${name}`, ...shape);
    if (config.attention === "moh") for (const { name, shape } of headMixtureShapes(B, T, C, nHead)) add(`${h}headMixture.${name}`, ...shape);
    add(`${h}attY`, N, C); add(`${h}attProj`, N, C); mask(`${h}attMask`, N, C);
    add(`${h}res1`, N, C);
    add(`${h}ln2`, N, C); add(`${h}ln2Mean`, N); add(`${h}ln2Rstd`, N);
    if (config.network === "moe") {
      for (const { name, shape } of expertMixtureShapes(N, C, config.nExperts as number, config.expertTopK ?? null)) add(`${h}expertMixture.${name}`, ...shape);
    } else {
      add(`${h}fc`, N, 4 * C); add(`${h}geluTanh`, N, 4 * C); add(`${h}gelu`, N, 4 * C);
    }
    add(`${h}mlpProj`, N, C); mask(`${h}mlpMask`, N, C);
    add(`${h}res2`, N, C);
  }
  add("lnf", N, C); add("lnfMean", N); add("lnfRstd", N);
  add("logits", N, V); add("probs", N, V);
  add("dlogits", N, V);
  for (const name of ["dres", "dA", "dB", "dMasked", "dAttY"]) add(name, N, C);
  add("dqkv", N, 3 * C);
  add("dGelu", N, 4 * C); add("dFc", N, 4 * C);
  return table;
}
