// The float32 WebAssembly kernels of the GPT's layers (asm/kernels.ts): each wrapper passes the offsets of arrays
// that are views of a model's memory (lib/gpt/tensors.ts), or copies other arrays in and the results back.
// Shapes are the layers' to check.
import { roundUp } from "./packed.js";
import { Op, chunking, parallel } from "./threads.js";
import { commonHeap, wasmKernels, wasmRun, type WasmArrays } from "./wasm.js";

interface GptKernels {
  adamW(data: number, grad: number, m: number, v: number, n: number, decay: number, beta1: number, beta2: number, stepSize: number, correction2: number, eps: number): void;
  adamWTensors(
    data: number, grad: number, m: number, v: number, table: number, count: number, beta1: number, beta2: number, stepSize: number, correction2: number, eps: number,
  ): void;
  geluForward(inp: number, out: number, tanhU: number, n: number): void;
  geluBackward(dinp: number, dout: number, inp: number, tanhU: number, n: number): void;
  layerNormForward(inp: number, weight: number, bias: number, out: number, mean: number, rstd: number, N: number, C: number, eps: number): void;
  layerNormBackward(
    dinp: number, dweight: number, dbias: number, dout: number, inp: number, weight: number, mean: number, rstd: number, N: number, C: number,
  ): void;
  causalAttentionForward(
    qkv: number, y: number, weights: number, B: number, T: number, C: number, nHead: number, scale: number, packedA: number, packedB: number, tile: number,
  ): void;
  causalAttentionBackward(
    dqkv: number, dy: number, qkv: number, weights: number, B: number, T: number, C: number, nHead: number, scale: number,
    packedA: number, packedB: number, dS: number, tile: number,
  ): void;
}

// An absent bias: an empty region, passed to the kernel as pointer 0.
const NONE = new Float32Array(0);

// The micro-kernel's block of asm/kernels.ts, for sizing scratch.
const MR = 4, NR = 8;

/** Whether a layer's float32 arrays can take the WebAssembly path (float64 always takes the readable loops). */
export function useWasm(x: Float32Array | Float64Array): x is Float32Array {
  return x instanceof Float32Array && wasmKernels().available;
}

function run(op: string, arrays: WasmArrays, call: (kernels: GptKernels, at: number[]) => void): void {
  wasmRun(op, arrays, (exports, offsets) => call(exports as GptKernels, offsets));
}

// The GELU kernels work four floats at a time, past n up to a multiple of 4: every region is 16-byte aligned and padded.

// Each wrapper: in place and on every thread when all its arrays are views of one model's memory (threads.ts), else copied.

/** out = GELU(inp) and tanhU = tanh(u) of its tanh approximation, for the first n floats. */
export function wasmGeluForward(out: Float32Array, tanhU: Float32Array, inp: Float32Array, n: number): void {
  const heap = commonHeap([out, tanhU, inp]);
  if (heap !== null) {
    const { chunks, per } = chunking(n, 4096, 4);
    parallel(heap, Op.GeluForward, chunks, [inp.byteOffset, out.byteOffset, tanhU.byteOffset, n, per], { work: 8 * n });
    return;
  }
  run("wasmGeluForward", { read: [inp.subarray(0, n)], write: [out.subarray(0, n), tanhU.subarray(0, n)] }, (k, [x, y, t]) => k.geluForward(x, y, t, n));
}

/** dinp = dout times GELU's derivative, for the first n floats. */
export function wasmGeluBackward(dinp: Float32Array, dout: Float32Array, inp: Float32Array, tanhU: Float32Array, n: number): void {
  const heap = commonHeap([dinp, dout, inp, tanhU]);
  if (heap !== null) {
    const { chunks, per } = chunking(n, 4096, 4);
    parallel(heap, Op.GeluBackward, chunks, [dinp.byteOffset, dout.byteOffset, inp.byteOffset, tanhU.byteOffset, n, per], { work: 8 * n });
    return;
  }
  run("wasmGeluBackward", { read: [dout.subarray(0, n), inp.subarray(0, n), tanhU.subarray(0, n)], write: [dinp.subarray(0, n)] }, (k, [d, x, t, dx]) => k.geluBackward(dx, d, x, t, n));
}

/** One AdamW update of data, expAvg m and expAvgSq v from grad (lib/gpt/training/adamw.ts has the readable loop). */
export function wasmAdamW(
  data: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, decay: number, beta1: number, beta2: number, stepSize: number, correction2: number, eps: number,
): void {
  run("wasmAdamW", { read: [grad], update: [data, m, v], write: [] },
    (k, [g, x, m1, v1]) => k.adamW(x, g, m1, v1, data.length, decay, beta1, beta2, stepSize, correction2, eps));
}

/**
 * AdamW on a whole model at once: data, grad, m and v are regions laid out alike, and table holds per tensor its
 * byte offset in a region, its float count (as int32) and its decay (lib/gpt/tensors.ts lays them out).
 */
export function wasmAdamWTensors(
  data: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, table: Float32Array, count: number,
  beta1: number, beta2: number, stepSize: number, correction2: number, eps: number,
): void {
  const heap = commonHeap([data, grad, m, v, table]);
  if (heap !== null) {
    const { chunks, per } = chunking(data.length, 4096, 4);
    parallel(heap, Op.AdamW, chunks, [data.byteOffset, grad.byteOffset, m.byteOffset, v.byteOffset, table.byteOffset, count, beta1, beta2, stepSize, correction2, eps, per],
      { work: 8 * data.length });
    return;
  }
  run("wasmAdamWTensors", { read: [grad, table], update: [data, m, v], write: [] },
    (k, [g, t, x, m1, v1]) => k.adamWTensors(x, g, m1, v1, t, count, beta1, beta2, stepSize, correction2, eps));
}

/** LayerNorm of N rows of C: out, mean and rstd written. */
export function wasmLayerNormForward(
  out: Float32Array, mean: Float32Array, rstd: Float32Array, inp: Float32Array, weight: Float32Array, bias: Float32Array | null, N: number, C: number, eps: number,
): void {
  const heap = commonHeap([out, mean, rstd, inp, weight, bias ?? NONE]);
  if (heap !== null) {
    const { chunks, per } = chunking(N, 8, 1);
    parallel(heap, Op.LayerNormForward, chunks, [inp.byteOffset, weight.byteOffset, bias === null ? 0 : bias.byteOffset, out.byteOffset, mean.byteOffset, rstd.byteOffset, N, C, eps, per],
      { work: 8 * N * C });
    return;
  }
  run("wasmLayerNormForward", { read: [inp.subarray(0, N * C), weight, bias ?? NONE], write: [out.subarray(0, N * C), mean.subarray(0, N), rstd.subarray(0, N)] },
    (k, [x, w, b, y, m, s]) => k.layerNormForward(x, w, bias === null ? 0 : b, y, m, s, N, C, eps));
}

/** LayerNorm's gradient: dinp written, dweight and dbias accumulated. */
export function wasmLayerNormBackward(
  dinp: Float32Array, dweight: Float32Array, dbias: Float32Array | null, dout: Float32Array, inp: Float32Array, weight: Float32Array,
  mean: Float32Array, rstd: Float32Array, N: number, C: number,
): void {
  const heap = commonHeap([dinp, dweight, dbias ?? NONE, dout, inp, weight, mean, rstd]);
  if (heap !== null) {
    const work = 8 * N * C, db = dbias === null ? 0 : dbias.byteOffset;
    const rows = chunking(N, 8, 1), columns = chunking(C, 4, 4);
    parallel(heap, Op.LayerNormBackwardRows, rows.chunks, [dinp.byteOffset, dout.byteOffset, inp.byteOffset, weight.byteOffset, mean.byteOffset, rstd.byteOffset, N, C, rows.per], { work });
    parallel(heap, Op.LayerNormBackwardColumns, columns.chunks, [dweight.byteOffset, db, dout.byteOffset, inp.byteOffset, mean.byteOffset, rstd.byteOffset, N, C, columns.per], { work });
    return;
  }
  run("wasmLayerNormBackward", { read: [dout.subarray(0, N * C), inp.subarray(0, N * C), weight, mean.subarray(0, N), rstd.subarray(0, N)], update: [dweight, dbias ?? NONE], write: [dinp.subarray(0, N * C)] },
    (k, [d, x, w, m, s, dw, db, dx]) => k.layerNormBackward(dx, dw, dbias === null ? 0 : db, d, x, w, m, s, N, C));
}

/** Scratch of the attention kernels for T positions of head size hs: packed A, packed B, dS, tile. */
function attentionScratch(T: number, hs: number): number[] {
  const wide = Math.max(T, hs);
  return [roundUp(T, MR) * wide, roundUp(wide, NR) * wide, T * T, MR * NR];
}

/** A GPT layer's causal self-attention: y (B*T x C) and the weights (B, nHead, T, T) from the fused qkv (B*T x 3C). */
export function wasmCausalAttentionForward(y: Float32Array, weights: Float32Array, qkv: Float32Array, B: number, T: number, C: number, nHead: number): void {
  const N = B * T, hs = C / nHead;
  const heap = commonHeap([y, weights, qkv]);
  if (heap !== null) {
    const [packedA, packedB, , tile] = attentionScratch(T, hs), heads = chunking(B * nHead, 1, 1);
    parallel(heap, Op.AttentionForward, heads.chunks, [qkv.byteOffset, y.byteOffset, weights.byteOffset, T, C, nHead, 1 / Math.sqrt(hs), B * nHead, heads.per,
      4 * packedA, 4 * (packedA + packedB)], { scratchFloats: packedA + packedB + tile, work: B * nHead * T * T * hs });
    return;
  }
  run("wasmCausalAttentionForward", { read: [qkv.subarray(0, N * 3 * C)], write: [y.subarray(0, N * C), weights.subarray(0, B * nHead * T * T)], scratch: attentionScratch(T, hs) },
    (k, [x, out, w, packedA, packedB, , tile]) => k.causalAttentionForward(x, out, w, B, T, C, nHead, 1 / Math.sqrt(hs), packedA, packedB, tile));
}

/** Its gradient: dqkv (B*T x 3C), written, from dy (B*T x C), the forward's qkv and weights. */
export function wasmCausalAttentionBackward(
  dqkv: Float32Array, dy: Float32Array, qkv: Float32Array, weights: Float32Array, B: number, T: number, C: number, nHead: number,
): void {
  const N = B * T, hs = C / nHead;
  const heap = commonHeap([dqkv, dy, qkv, weights]);
  if (heap !== null) {
    const [packedA, packedB, dS, tile] = attentionScratch(T, hs), heads = chunking(B * nHead, 1, 1);
    parallel(heap, Op.AttentionBackward, heads.chunks, [dqkv.byteOffset, dy.byteOffset, qkv.byteOffset, weights.byteOffset, T, C, nHead, 1 / Math.sqrt(hs),
      B * nHead, heads.per, 4 * packedA, 4 * (packedA + packedB), 4 * (packedA + packedB + dS)], { scratchFloats: packedA + packedB + dS + tile, work: 2 * B * nHead * T * T * hs });
    return;
  }
  run("wasmCausalAttentionBackward", { read: [dy.subarray(0, N * C), qkv.subarray(0, N * 3 * C), weights.subarray(0, B * nHead * T * T)], write: [dqkv.subarray(0, N * 3 * C)], scratch: attentionScratch(T, hs) },
    (k, [d, x, w, dx, packedA, packedB, dS, tile]) => k.causalAttentionBackward(dx, d, x, w, B, T, C, nHead, 1 / Math.sqrt(hs), packedA, packedB, dS, tile));
}
