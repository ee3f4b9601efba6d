// Loads the float32 WebAssembly SIMD kernels (compiled from asm/kernels.ts) and moves matrices in and out.
// Loading is synchronous (new Module + new Instance on bytes already in memory), so matmul stays synchronous.
// Where WebAssembly or its SIMD is missing, the module fails to compile, `wasmKernels()` says why,
// and the lib stays on the TypeScript kernels.
import { roundUp } from "./packed.js";
import { kernelsWasmBase64 } from "./wasmBinary.js";

// Just the part of the WebAssembly API used here (the lib compiles without DOM types).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
interface KernelExports {
  memory: WasmMemory;
  matmul(a: number, b: number, c: number, m: number, k: number, n: number, transposeB: number, packedA: number, packedB: number, tile: number): void;
  gemm(
    a: number, b: number, c: number, m: number, k: number, n: number, transposeA: number, transposeB: number, accumulate: number,
    packedA: number, packedB: number, tile: number,
  ): void;
  attention(
    q: number, k: number, v: number, out: number, t: number, s: number, d: number, dv: number, scale: number, causal: number,
    packedQ: number, packedK: number, packedV: number, scores: number, packedP: number, tile: number,
  ): void;
  geluForward(inp: number, out: number, tanhU: number, n: number): void;
  causalAttentionForward(
    qkv: number, y: number, weights: number, B: number, T: number, C: number, nHead: number, scale: number, packedA: number, packedB: number, tile: number,
  ): void;
  causalAttentionBackward(
    dqkv: number, dy: number, qkv: number, weights: number, B: number, T: number, C: number, nHead: number, scale: number,
    packedA: number, packedB: number, dS: number, tile: number,
  ): void;
}

// The block sizes of asm/kernels.ts, for sizing its scratch space.
const MR = 4, NR = 8, KC = 256, MC = 128, RB = 16;
const PAGE = 65536;

export interface WasmStatus {
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
}

let kernels: KernelExports | null = null;
let status: WasmStatus | null = null;
let heapStart = 0;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function load(): void {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) {
    status = { available: false, reason: "this JavaScript engine has no WebAssembly" };
    return;
  }
  try {
    const instance = new api.Instance(new api.Module(decodeBase64(kernelsWasmBase64)), {});
    kernels = instance.exports as KernelExports;
    heapStart = kernels.memory.buffer.byteLength; // the module's own static data lives below its initial size
    status = { available: true };
  } catch (error) {
    status = { available: false, reason: `WebAssembly SIMD kernels did not load: ${(error as Error).message}` };
  }
}

/** Whether the WebAssembly SIMD kernels run here (loaded on first call), and if not, why. */
export function wasmKernels(): WasmStatus {
  if (status === null) load();
  return status as WasmStatus;
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** Lays out regions of the given float counts after the module's static data, growing memory to fit; returns byte offsets. */
function reserve(kernels: KernelExports, floatCounts: number[]): number[] {
  const offsets: number[] = [];
  let end = heapStart;
  for (const count of floatCounts) {
    offsets.push(end);
    end += align16(count * 4);
  }
  const missing = end - kernels.memory.buffer.byteLength;
  if (missing > 0) kernels.memory.grow(Math.ceil(missing / PAGE));
  return offsets;
}

function loaded(): KernelExports {
  if (!wasmKernels().available) throw new Error(`WebAssembly kernels unavailable: ${status?.reason}`);
  return kernels as KernelExports;
}

function copyIn(kernels: KernelExports, offset: number, data: Float32Array): void {
  new Float32Array(kernels.memory.buffer, offset, data.length).set(data);
}

function copyOut(kernels: KernelExports, offset: number, length: number): Float32Array {
  return new Float32Array(kernels.memory.buffer, offset, length).slice();
}


/** A (m x k) times B (k x n), or times B^T when B is stored n x k, in float32. Shapes are the caller's to check. */
export function wasmMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, options: { transposeB?: boolean } = {}): Float32Array {
  const wasm = loaded();
  const depth = Math.min(k, KC);
  const [pa, pb, pc, packedA, packedB, tile] = reserve(wasm, [m * k, k * n, m * n, roundUp(Math.min(m, MC), MR) * depth, roundUp(n, NR) * depth, MR * NR]);
  copyIn(wasm, pa, a);
  copyIn(wasm, pb, b);
  wasm.matmul(pa, pb, pc, m, k, n, options.transposeB ? 1 : 0, packedA, packedB, tile);
  return copyOut(wasm, pc, m * n);
}

/**
 * C (m x n) = op(A) op(B), or += when accumulate, in float32 (see asm/kernels.ts gemm): transposeA reads A stored
 * k x m as its transpose, transposeB reads B stored n x k. Shapes are the caller's to check.
 */
export function wasmGemm(
  c: Float32Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number,
  transposeA: boolean, transposeB: boolean, accumulate: boolean,
): void {
  const wasm = loaded();
  const depth = Math.min(k, KC);
  const [pa, pb, pc, packedA, packedB, tile] = reserve(wasm, [m * k, k * n, m * n, roundUp(Math.min(m, MC), MR) * depth, roundUp(n, NR) * depth, MR * NR]);
  copyIn(wasm, pa, a.length === m * k ? a : a.subarray(0, m * k));
  copyIn(wasm, pb, b.length === k * n ? b : b.subarray(0, k * n));
  if (accumulate) copyIn(wasm, pc, c.length === m * n ? c : c.subarray(0, m * n));
  wasm.gemm(pa, pb, pc, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0, accumulate ? 1 : 0, packedA, packedB, tile);
  c.set(new Float32Array(wasm.memory.buffer, pc, m * n));
}

/** softmax(scale * Q K^T, causal or not) V in float32: Q is t x d, K is s x d, V is s x dv. Shapes are the caller's to check. */
export function wasmAttention(
  q: Float32Array, k: Float32Array, v: Float32Array, t: number, s: number, d: number, dv: number, scale: number, causal: boolean,
): Float32Array {
  const wasm = loaded();
  const [pq, pk, pv, out, packedQ, packedK, packedV, scores, packedP, tile] = reserve(wasm, [
    t * d, s * d, s * dv, t * dv, RB * d, roundUp(s, NR) * d, roundUp(dv, NR) * s, RB * s, RB * s, MR * NR,
  ]);
  copyIn(wasm, pq, q);
  copyIn(wasm, pk, k);
  copyIn(wasm, pv, v);
  wasm.attention(pq, pk, pv, out, t, s, d, dv, scale, causal ? 1 : 0, packedQ, packedK, packedV, scores, packedP, tile);
  return copyOut(wasm, out, t * dv);
}

/** out = GELU(inp) and tanhU = tanh(u) of its tanh approximation, for the first n floats, in float32 (asm/kernels.ts geluForward). */
export function wasmGeluForward(out: Float32Array, tanhU: Float32Array, inp: Float32Array, n: number): void {
  const wasm = loaded();
  const padded = roundUp(n, 4); // the kernel works four floats at a time
  const [pin, pout, ptanh] = reserve(wasm, [padded, padded, padded]);
  copyIn(wasm, pin, inp.subarray(0, n));
  wasm.geluForward(pin, pout, ptanh, n);
  out.set(new Float32Array(wasm.memory.buffer, pout, n));
  tanhU.set(new Float32Array(wasm.memory.buffer, ptanh, n));
}

/** Scratch of the GPT attention kernels for T positions of head size hs (see asm/kernels.ts). */
function attentionScratch(T: number, hs: number): number[] {
  const wide = Math.max(T, hs);
  return [roundUp(T, MR) * wide, roundUp(wide, NR) * wide, T * T, MR * NR];
}

/**
 * A GPT layer's causal self-attention in float32 (asm/kernels.ts causalAttentionForward): y (B*T x C) and the
 * weights (B, nHead, T, T) from the fused qkv (B*T x 3C). Shapes are the caller's to check.
 */
export function wasmCausalAttentionForward(y: Float32Array, weights: Float32Array, qkv: Float32Array, B: number, T: number, C: number, nHead: number): void {
  const wasm = loaded();
  const N = B * T, square = B * nHead * T * T, hs = C / nHead;
  const [pqkv, py, pw, packedA, packedB, , tile] = reserve(wasm, [N * 3 * C, N * C, square, ...attentionScratch(T, hs)]);
  copyIn(wasm, pqkv, qkv.subarray(0, N * 3 * C));
  wasm.causalAttentionForward(pqkv, py, pw, B, T, C, nHead, 1 / Math.sqrt(hs), packedA, packedB, tile);
  y.set(new Float32Array(wasm.memory.buffer, py, N * C));
  weights.set(new Float32Array(wasm.memory.buffer, pw, square));
}

/** Its gradient: dqkv (B*T x 3C), written, from dy (B*T x C), the forward's qkv and weights. */
export function wasmCausalAttentionBackward(
  dqkv: Float32Array, dy: Float32Array, qkv: Float32Array, weights: Float32Array, B: number, T: number, C: number, nHead: number,
): void {
  const wasm = loaded();
  const N = B * T, square = B * nHead * T * T, hs = C / nHead;
  const [pdqkv, pdy, pqkv, pw, packedA, packedB, dS, tile] = reserve(wasm, [N * 3 * C, N * C, N * 3 * C, square, ...attentionScratch(T, hs)]);
  copyIn(wasm, pdy, dy.subarray(0, N * C));
  copyIn(wasm, pqkv, qkv.subarray(0, N * 3 * C));
  copyIn(wasm, pw, weights.subarray(0, square));
  wasm.causalAttentionBackward(pdqkv, pdy, pqkv, pw, B, T, C, nHead, 1 / Math.sqrt(hs), packedA, packedB, dS, tile);
  dqkv.set(new Float32Array(wasm.memory.buffer, pdqkv, N * 3 * C));
}
