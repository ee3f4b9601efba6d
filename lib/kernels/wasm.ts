// Loads the float32 WebAssembly SIMD kernels (compiled from asm/kernels.ts) and moves matrices in and out.
// Loading is synchronous (new Module + new Instance on bytes already in memory), so matmul stays synchronous.
// Where WebAssembly or its SIMD is missing, the module fails to compile, `wasmKernels()` says why,
// and the lib stays on the TypeScript kernels.
import { bytesText } from "../core/matrix.js";
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

// What 32-bit WebAssembly can address: 65536 pages of 64 KiB.
const MAX_WASM_BYTES = 65536 * PAGE;

/**
 * Lays out regions of the given float counts after the module's static data, growing memory to fit; returns byte offsets.
 * A size beyond what WebAssembly can address, or memory that cannot grow, is an error naming op and the bytes.
 */
function reserve(kernels: KernelExports, op: string, floatCounts: number[]): number[] {
  const offsets: number[] = [];
  let end = heapStart;
  for (const count of floatCounts) {
    offsets.push(end);
    end += align16(count * 4);
  }
  const needs = `${op}: the wasm kernel needs ${bytesText(end)} of WebAssembly memory`;
  if (end > MAX_WASM_BYTES) throw new RangeError(`${needs}, more than the ${bytesText(MAX_WASM_BYTES)} it can address; use kernel "packed"`);
  const missing = end - kernels.memory.buffer.byteLength;
  if (missing > 0 && kernels.memory.grow(Math.ceil(missing / PAGE)) < 0) throw new RangeError(`${needs}, and its memory could not grow that far`);
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
export function wasmMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, options: { transposeB?: boolean; op?: string } = {}): Float32Array {
  const wasm = loaded();
  const depth = Math.min(k, KC);
  const [pa, pb, pc, packedA, packedB, tile] = reserve(wasm, options.op ?? "matmul", [m * k, k * n, m * n, roundUp(Math.min(m, MC), MR) * depth, roundUp(n, NR) * depth, MR * NR]);
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
  const [pa, pb, pc, packedA, packedB, tile] = reserve(wasm, "gemm", [m * k, k * n, m * n, roundUp(Math.min(m, MC), MR) * depth, roundUp(n, NR) * depth, MR * NR]);
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
  const [pq, pk, pv, out, packedQ, packedK, packedV, scores, packedP, tile] = reserve(wasm, "attention", [
    t * d, s * d, s * dv, t * dv, RB * d, roundUp(s, NR) * d, roundUp(dv, NR) * s, RB * s, RB * s, MR * NR,
  ]);
  copyIn(wasm, pq, q);
  copyIn(wasm, pk, k);
  copyIn(wasm, pv, v);
  wasm.attention(pq, pk, pv, out, t, s, d, dv, scale, causal ? 1 : 0, packedQ, packedK, packedV, scores, packedP, tile);
  return copyOut(wasm, out, t * dv);
}

/** The arrays of one kernel call: read (copied in), update (copied in and back), write (copied back), scratch float counts. */
export interface WasmArrays {
  read: Float32Array[];
  update?: Float32Array[];
  write: Float32Array[];
  scratch?: number[];
}

/**
 * Runs one of the module's exports on float32 arrays: copies in what it reads and updates, lays out room for what
 * it writes and for scratch, calls run with the exports and the byte offsets of read, update, write and scratch
 * regions in that order, then copies the updated and written regions back into their arrays (all of each array).
 */
export function wasmRun(op: string, arrays: WasmArrays, run: (exports: object, offsets: number[]) => void): void {
  const wasm = loaded();
  const { read, update = [], write, scratch = [] } = arrays;
  const copied = [...read, ...update], back = [...update, ...write];
  const offsets = reserve(wasm, op, [...copied.map((x) => x.length), ...write.map((x) => x.length), ...scratch]);
  copied.forEach((array, i) => copyIn(wasm, offsets[i], array));
  run(wasm, offsets);
  back.forEach((array, i) => array.set(new Float32Array(wasm.memory.buffer, offsets[read.length + i], array.length)));
}
