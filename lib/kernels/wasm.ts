// Loads the float32 WebAssembly SIMD kernels (compiled from asm/kernels.ts): one module, compiled once, and an
// instance per memory (a heap). A float32 GPT keeps every tensor in a heap of its own, so its layers' arrays go to
// the kernels as offsets, in place; any other array is copied into the loader's heap and back.
// Loading is synchronous (new Module + new Instance on bytes already in memory), so matmul stays synchronous.
// Where WebAssembly or its SIMD is missing, the module fails to compile, `wasmKernels()` says why,
// and the lib stays on the TypeScript kernels.
// On Node 24 and later on x86-64, V8's revectorizer is turned on before the module compiles (it pairs 128-bit SIMD
// operations on adjacent memory into 256-bit AVX2 ones) and the products take the 4x16 micro-kernel, which it pairs
// best; the bits are the same as the 4x8 kernel's (bench/README.md, "Revectorize, measured").
import { bytesText } from "../core/matrix.js";
import { roundUp } from "./packed.js";
import { Op, chunking, parallel } from "./threads.js";
import { kernelsFusedWasmBase64, kernelsWasmBase64 } from "./wasmBinary.js";

// Just the part of the WebAssembly API used here (the lib compiles without DOM types).
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
interface KernelExports {
  matmul(a: number, b: number, c: number, m: number, k: number, n: number, transposeB: number, packedA: number, packedB: number, tile: number, nr: number): void;
  gemm(
    a: number, b: number, c: number, m: number, k: number, n: number, transposeA: number, transposeB: number, accumulate: number,
    packedA: number, packedB: number, tile: number, nr: number,
  ): void;
  attention(
    q: number, k: number, v: number, out: number, t: number, s: number, d: number, dv: number, scale: number, causal: number,
    packedQ: number, packedK: number, packedV: number, scores: number, packedP: number, tile: number,
  ): void;
}

// The block sizes of asm/kernels.ts, for sizing its scratch space (WIDE: the columns of the 4x16 micro-kernel).
const MR = 4, NR = 8, WIDE = 16, KC = 256, MC = 128, RB = 16;
const PAGE = 65536;
// What 32-bit WebAssembly can address: 65536 pages of 64 KiB (the module declares its memory that large at most).
const MAX_PAGES = 65536;
const MAX_WASM_BYTES = MAX_PAGES * PAGE;

export interface WasmStatus {
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
}

let api: WasmApi | null = null;
let plain: object | null = null;
let fused: object | null = null;
let compiled: object | null = null; // the module new heaps instantiate: plain, or fused when chosen
let status: WasmStatus | null = null;
let foreign: WasmHeap | null = null;
let wide = false; // the products' micro-kernel: 4x16 when true, else 4x8

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

interface NodeProcess {
  arch?: string;
  versions?: Record<string, string | undefined>;
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (name: string) => unknown;
}

/**
 * On Node 24 and later on x86-64 (unless THELITTLEBABY_REVECTORIZE=0), turns on V8's --experimental-wasm-revectorize
 * for the modules compiled from now on, and says whether it did. It makes 256-bit AVX2 code, so not on ARM64; Node 22's
 * revectorizer gains nothing on these kernels and Node 20 has none; other engines are left alone.
 */
function turnOnRevectorizer(): boolean {
  const node = (globalThis as { process?: NodeProcess }).process;
  const setting = node?.env?.THELITTLEBABY_REVECTORIZE;
  if (setting !== undefined && setting !== "" && setting !== "0" && setting !== "1") {
    throw new RangeError(`THELITTLEBABY_REVECTORIZE=${setting}: give 0 (the 4x8 kernel, no revectorizer) or 1 (the default)`);
  }
  const major = Number(node?.versions?.node?.split(".")[0]);
  if (setting === "0" || !(major >= 24) || node?.arch !== "x64" || node?.versions?.bun !== undefined || node?.versions?.deno !== undefined) return false;
  const v8 = node?.getBuiltinModule?.("node:v8") as { setFlagsFromString?: (flags: string) => void } | undefined;
  if (v8?.setFlagsFromString === undefined) return false;
  v8.setFlagsFromString("--experimental-wasm-revectorize");
  return true;
}

// Compiles the module once; every heap instantiates it on its own memory.
function load(): void {
  const found = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (found === undefined) {
    status = { available: false, reason: "this JavaScript engine has no WebAssembly" };
    return;
  }
  const revectorized = turnOnRevectorizer(); // a wrong THELITTLEBABY_REVECTORIZE is an error, as a wrong THELITTLEBABY_THREADS is
  try {
    wide = revectorized;
    plain = new found.Module(decodeBase64(kernelsWasmBase64));
    compiled = plain;
    api = found;
    foreign = new WasmHeap(1);
    status = { available: true };
  } catch (error) {
    plain = null;
    compiled = null;
    api = null;
    wide = false;
    status = { available: false, reason: `WebAssembly SIMD kernels did not load: ${(error as Error).message}` };
  }
}

/** Whether the WebAssembly SIMD kernels run here (loaded on first call), and if not, why. */
export function wasmKernels(): WasmStatus {
  if (status === null) {
    load();
    const node = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
    if ((status as WasmStatus | null)?.available && node?.env?.THELITTLEBABY_FMA === "1") useFusedMultiplyAdd(true);
  }
  return status as WasmStatus;
}

/**
 * Fused multiply-add in the products' micro-kernel (relaxed SIMD's f32x4.relaxed_madd: one rounding instead of
 * two), for models created from now on: on, it changes every float32 number in the last bits, and its bits then
 * depend on the CPU (a CPU without FMA3 rounds twice). Off by default. Needs relaxed SIMD: Node 22 and later, or
 * Node 20 with --experimental-wasm-relaxed-simd; where the engine lacks it, turning it on is an error that says so.
 * THELITTLEBABY_FMA=1 in the environment turns it on at load.
 */
export function useFusedMultiplyAdd(on: boolean): void {
  if (typeof on !== "boolean") throw new TypeError(`useFusedMultiplyAdd: on must be true or false, got ${String(on)}`);
  if (!wasmKernels().available) throw new Error(`useFusedMultiplyAdd: WebAssembly kernels unavailable: ${status?.reason}`);
  if (on && fused === null) {
    try {
      fused = new (api as WasmApi).Module(decodeBase64(kernelsFusedWasmBase64));
    } catch (error) {
      throw new Error(`useFusedMultiplyAdd: this engine has no relaxed SIMD (Node 22+, or node --experimental-wasm-relaxed-simd): ${(error as Error).message}`);
    }
  }
  compiled = on ? fused : plain;
  foreign = new WasmHeap(1);
}

/** Whether models created now use the fused multiply-add kernels. */
export function fusedMultiplyAdd(): boolean {
  return compiled !== null && compiled === fused;
}

/** Whether the products run the 4x16 micro-kernel under V8's revectorizer (Node 24+ on x86-64, unless THELITTLEBABY_REVECTORIZE=0); same bits as 4x8. */
export function wideKernel(): boolean {
  return wasmKernels().available && wide;
}

/** For tests: the products' micro-kernel from now on, 4x16 (on) or 4x8, whatever the engine (the bits are the same). */
export function useWideKernel(on: boolean): void {
  if (!wasmKernels().available) throw new Error(`useWideKernel: WebAssembly kernels unavailable: ${status?.reason}`);
  wide = on;
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

// Which heap a memory's buffer belongs to. A shared memory that grows gets a new buffer object, and views made
// before keep the old one (still valid): every buffer a heap ever had is registered.
const heaps = new WeakMap<ArrayBufferLike, WasmHeap>();

/**
 * One shared WebAssembly.Memory with its own instance of the kernels: what a float32 GPT keeps all its tensors in
 * (lib/gpt/tensors.ts), or the loader's memory that foreign arrays are copied into. Below `top` are the views
 * handed out by allocate; above it, each kernel call's scratch. The first 16 bytes stay unused: offset 0 means "none".
 */
export class WasmHeap {
  readonly memory: WasmMemory;
  /** The compiled kernels it runs: the workers instantiate the same. */
  readonly module: object;
  readonly exports: object;
  /** Bytes handed out by allocate. */
  top = 16;

  constructor(bytes: number) {
    if (api === null || compiled === null) throw new Error(`WebAssembly kernels unavailable: ${status?.reason}`);
    this.memory = new api.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)), maximum: MAX_PAGES, shared: true });
    this.module = compiled;
    this.exports = new api.Instance(compiled, { env: { memory: this.memory } }).exports as object;
    heaps.set(this.memory.buffer, this);
  }

  /** Grows the memory to at least `end` bytes; an error naming op beyond what WebAssembly addresses. */
  ensure(op: string, end: number): void {
    const needs = `${op}: the wasm kernel needs ${bytesText(end)} of WebAssembly memory`;
    if (end > MAX_WASM_BYTES) throw new RangeError(`${needs}, more than the ${bytesText(MAX_WASM_BYTES)} it can address; use kernel "packed"`);
    const missing = end - this.memory.buffer.byteLength;
    if (missing <= 0) return;
    if (this.memory.grow(Math.ceil(missing / PAGE)) < 0) throw new RangeError(`${needs}, and its memory could not grow that far`);
    heaps.set(this.memory.buffer, this);
  }

  /** A zeroed view of `count` floats, 16-byte aligned and padded to a multiple of 4 floats (the SIMD kernels overrun to it). */
  allocate(op: string, count: number): Float32Array {
    const offset = this.top;
    this.ensure(op, offset + align16(count * 4));
    this.top = offset + align16(count * 4);
    const view = new Float32Array(this.memory.buffer, offset, count);
    view.fill(0);
    return view;
  }

  /** Regions of the given float counts above top (scratch of one kernel call), growing memory to fit; returns byte offsets. */
  reserve(op: string, floatCounts: number[]): number[] {
    const offsets: number[] = [];
    let end = this.top;
    for (const count of floatCounts) {
      offsets.push(end);
      end += align16(count * 4);
    }
    this.ensure(op, end);
    return offsets;
  }
}

/** The heap that an array is a view of, or null for an array of its own. */
export function heapOf(array: Float32Array): WasmHeap | null {
  return heaps.get(array.buffer) ?? null;
}

/** The heap holding every one of the arrays (empty ones ignored, 16-byte aligned), or null when some array lives elsewhere. */
export function commonHeap(arrays: Float32Array[]): WasmHeap | null {
  let heap: WasmHeap | null = null;
  for (const array of arrays) {
    if (array.length === 0) continue;
    const own = heapOf(array);
    if (own === null || (heap !== null && own !== heap) || array.byteOffset % 16 !== 0) return null;
    heap = own;
  }
  return heap;
}

function loadedHeap(): WasmHeap {
  if (!wasmKernels().available) throw new Error(`WebAssembly kernels unavailable: ${status?.reason}`);
  return foreign as WasmHeap;
}

function copyIn(heap: WasmHeap, offset: number, data: Float32Array): void {
  new Float32Array(heap.memory.buffer, offset, data.length).set(data);
}

function copyOut(heap: WasmHeap, offset: number, length: number): Float32Array {
  return new Float32Array(heap.memory.buffer, offset, length).slice();
}

/** A (m x k) times B (k x n), or times B^T when B is stored n x k, in float32. Shapes are the caller's to check. */
export function wasmMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, options: { transposeB?: boolean; op?: string } = {}): Float32Array {
  const heap = loadedHeap();
  const nr = panelWidth();
  const [pa, pb, pc, ...scratch] = heap.reserve(options.op ?? "matmul", [m * k, k * n, m * n, ...gemmScratch(m, k, n, nr)]);
  copyIn(heap, pa, a);
  copyIn(heap, pb, b);
  const [packedA, packedB, tile] = scratch;
  (heap.exports as KernelExports).matmul(pa, pb, pc, m, k, n, options.transposeB ? 1 : 0, packedA, packedB, tile, nr);
  return copyOut(heap, pc, m * n);
}

/**
 * C (m x n) = op(A) op(B), or += when accumulate, in float32 (see asm/kernels.ts gemm): transposeA reads A stored
 * k x m as its transpose, transposeB reads B stored n x k. Shapes are the caller's to check.
 */
export function wasmGemm(
  c: Float32Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number,
  transposeA: boolean, transposeB: boolean, accumulate: boolean,
): void {
  const flags = [transposeA ? 1 : 0, transposeB ? 1 : 0, accumulate ? 1 : 0] as const;
  const own = commonHeap([c, a, b]);
  const nr = panelWidth();
  if (own !== null) { // all three in one model's memory: in place, on every thread
    const width = roundUp(n, nr), work = m * k * n;
    const [packedB] = own.reserve("gemm", [width * k]);
    const panels = chunking(width / nr, 1, 1);
    parallel(own, Op.PackB, panels.chunks, [b.byteOffset, transposeB ? 1 : n, transposeB ? k : 1, k, n, panels.per, packedB, nr], { sharedFloats: width * k, work });
    const rows = chunking(m, 16, MR);
    const packedA = roundUp(Math.min(rows.per, MC), MR) * Math.min(k, KC);
    parallel(own, Op.GemmRows, rows.chunks, [a.byteOffset, transposeA ? 1 : k, transposeA ? m : 1, packedB, c.byteOffset, n, m, k, n, flags[2], rows.per, 4 * packedA, nr],
      { scratchFloats: packedA + MR * nr, sharedFloats: width * k, work });
    return;
  }
  const heap = loadedHeap();
  const [pa, pb, pc, packedA, packedB, tile] = heap.reserve("gemm", [m * k, k * n, m * n, ...gemmScratch(m, k, n, nr)]);
  copyIn(heap, pa, a.length === m * k ? a : a.subarray(0, m * k));
  copyIn(heap, pb, b.length === k * n ? b : b.subarray(0, k * n));
  if (accumulate) copyIn(heap, pc, c.length === m * n ? c : c.subarray(0, m * n));
  (heap.exports as KernelExports).gemm(pa, pb, pc, m, k, n, ...flags, packedA, packedB, tile, nr);
  c.set(new Float32Array(heap.memory.buffer, pc, m * n));
}

/** softmax(scale * Q K^T, causal or not) V in float32: Q is t x d, K is s x d, V is s x dv. Shapes are the caller's to check. */
export function wasmAttention(
  q: Float32Array, k: Float32Array, v: Float32Array, t: number, s: number, d: number, dv: number, scale: number, causal: boolean,
): Float32Array {
  const heap = loadedHeap();
  const [pq, pk, pv, out, packedQ, packedK, packedV, scores, packedP, tile] = heap.reserve("attention", [
    t * d, s * d, s * dv, t * dv, RB * d, roundUp(s, NR) * d, roundUp(dv, NR) * s, RB * s, RB * s, MR * NR,
  ]);
  copyIn(heap, pq, q);
  copyIn(heap, pk, k);
  copyIn(heap, pv, v);
  (heap.exports as KernelExports).attention(pq, pk, pv, out, t, s, d, dv, scale, causal ? 1 : 0, packedQ, packedK, packedV, scores, packedP, tile);
  return copyOut(heap, out, t * dv);
}

/** The columns of the products' micro-kernel (and of B's packed panels). */
function panelWidth(): number {
  return wide ? WIDE : NR;
}

/** Scratch of the gemm kernel for op(A) m x k times op(B) k x n in panels nr wide: packed A, packed B (all of it), the edge tile (float counts). */
function gemmScratch(m: number, k: number, n: number, nr: number): number[] {
  return [roundUp(Math.min(m, MC), MR) * Math.min(k, KC), roundUp(n, nr) * k, MR * nr];
}

/** The arrays of one kernel call: read (copied in), update (copied in and back), write (copied back), scratch float counts. */
export interface WasmArrays {
  read: Float32Array[];
  update?: Float32Array[];
  write: Float32Array[];
  scratch?: number[];
}

/**
 * Runs one of the module's exports on float32 arrays, calling run with the exports and the byte offsets of the
 * read, update, write and scratch regions in that order. When every array is a view of one model's memory, in
 * place (scratch above its tensors); otherwise copies in what it reads and updates, lays out room for what it
 * writes and for scratch in the loader's memory, and copies the updated and written regions back (all of each array).
 */
export function wasmRun(op: string, arrays: WasmArrays, run: (exports: object, offsets: number[]) => void): void {
  const { read, update = [], write, scratch = [] } = arrays;
  const own = commonHeap([...read, ...update, ...write]);
  if (own !== null) {
    run(own.exports, [...[...read, ...update, ...write].map((x) => x.byteOffset), ...own.reserve(op, scratch)]);
    return;
  }
  const heap = loadedHeap();
  const copied = [...read, ...update], back = [...update, ...write];
  const offsets = heap.reserve(op, [...copied.map((x) => x.length), ...write.map((x) => x.length), ...scratch]);
  copied.forEach((array, i) => copyIn(heap, offsets[i], array));
  run(heap.exports, offsets);
  back.forEach((array, i) => array.set(new Float32Array(heap.memory.buffer, offsets[read.length + i], array.length)));
}
