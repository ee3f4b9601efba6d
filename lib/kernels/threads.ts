// Every core on the float32 kernels: worker threads, each with its own instance of the kernels on the model's shared
// memory (no runtime in them: a loop that waits for work). A kernel call is cut into chunks of its OUTPUT (rows of
// a product, heads of attention, columns of LayerNorm's weight gradient, ranges of elements); the main thread and
// the workers take chunks until none is left. Each output element is computed by one thread, by the same
// instructions in the same order whoever takes its chunk, so the results are bit-identical whatever the number of
// threads (test/gpt-threads.test.ts trains with 1, 2 and 3). The calls stay synchronous: the main thread works, then
// waits (Atomics.wait) for the chunks others took. A worker that fails turns into an error, and so does one that
// stops answering; workers never keep a process alive (unref).
import type { WasmHeap } from "./wasm.js";

/** Chunk kinds: what runChunk calls. */
export const Op = {
  PackB: 0, GemmRows: 1, AttentionForward: 2, AttentionBackward: 3, LayerNormForward: 4, LayerNormBackwardRows: 5, LayerNormBackwardColumns: 6,
  GeluForward: 7, GeluBackward: 8, AdamW: 9,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

// A job's slot: op, chunk count, heap id, scratch base, scratch bytes per thread, then the op's arguments.
const SLOT = 24;
// The control words: next chunk to take (job generation << 16 | chunk), chunks done, error flag, then an error message.
const NEXT = 0, DONE = 1, ERROR = 2, MESSAGE = 16, MESSAGE_BYTES = 512;
// No progress for this long while chunks are out means a worker is gone.
const PATIENCE_MS = 30_000;
// A thread with nothing left to take checks the counter for this long before it sleeps: of the 146 calls of a
// training step, 7 in 8 come less than 50 microseconds after the one before (the rows of a product right after the
// packing of its B, the next layer), and waking a sleeping thread (a futex, tens of microseconds on a VM) costs more
// than a small call's whole share. Bounded, so a pool between steps or between cells sleeps.
const SPIN_MS = 0.05;

/**
 * Runs chunk `chunk` of a job on kernels k with the scratch of thread t. Self-contained (no outside names): the
 * workers receive its source text.
 */
export function runChunk(k: any, s: Float64Array, chunk: number, t: number): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  const scratch = s[3] + t * s[4];
  const a = (i: number): number => s[5 + i];
  switch (s[0]) {
    case 0: { // PackB: b, rs, cs, k, n, panels per chunk, dst, panel width
      const first = chunk * a(5);
      k.gemmPackB(a(0), a(1), a(2), a(3), a(4), first, first + a(5), a(6), a(7));
      return;
    }
    case 1: { // GemmRows: a, ars, acs, packedB, c, ldc, m, k, n, accumulate, rows per chunk, tile offset, panel width
      const i0 = chunk * a(10);
      k.gemmRows(a(0), a(1), a(2), a(3), a(4), a(5), i0, Math.min(a(6), i0 + a(10)), a(7), a(8), a(9), scratch, scratch + a(11), a(12));
      return;
    }
    case 2: { // AttentionForward: qkv, y, weights, T, C, nHead, scale, heads, heads per chunk, packedB and tile offsets
      const first = chunk * a(8);
      k.causalAttentionForwardHeads(a(0), a(1), a(2), a(3), a(4), a(5), a(6), first, Math.min(a(7), first + a(8)), scratch, scratch + a(9), scratch + a(10));
      return;
    }
    case 3: { // AttentionBackward: dqkv, dy, qkv, weights, T, C, nHead, scale, heads, heads per chunk, packedB, dS and tile offsets
      const first = chunk * a(9);
      k.causalAttentionBackwardHeads(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), first, Math.min(a(8), first + a(9)),
        scratch, scratch + a(10), scratch + a(11), scratch + a(12));
      return;
    }
    case 4: { // LayerNormForward: inp, weight, bias, out, mean, rstd, N, C, eps, rows per chunk
      const i0 = chunk * a(9), rows = Math.min(a(6) - i0, a(9)), row = 4 * i0 * a(7);
      k.layerNormForward(a(0) + row, a(1), a(2), a(3) + row, a(4) + 4 * i0, a(5) + 4 * i0, rows, a(7), a(8));
      return;
    }
    case 5: { // LayerNormBackwardRows: dinp, dout, inp, weight, mean, rstd, N, C, rows per chunk
      const i0 = chunk * a(8), rows = Math.min(a(6) - i0, a(8)), row = 4 * i0 * a(7);
      k.layerNormBackwardRows(a(0) + row, a(1) + row, a(2) + row, a(3), a(4) + 4 * i0, a(5) + 4 * i0, rows, a(7));
      return;
    }
    case 6: { // LayerNormBackwardColumns: dweight, dbias, dout, inp, mean, rstd, N, C, columns per chunk
      const c0 = chunk * a(8);
      k.layerNormBackwardColumns(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), c0, Math.min(a(7), c0 + a(8)));
      return;
    }
    case 7: { // GeluForward: inp, out, tanhU, n, floats per chunk
      const e0 = chunk * a(4), at = 4 * e0;
      k.geluForward(a(0) + at, a(1) + at, a(2) + at, Math.min(a(3) - e0, a(4)));
      return;
    }
    case 8: { // GeluBackward: dinp, dout, inp, tanhU, n, floats per chunk
      const e0 = chunk * a(5), at = 4 * e0;
      k.geluBackward(a(0) + at, a(1) + at, a(2) + at, a(3) + at, Math.min(a(4) - e0, a(5)));
      return;
    }
    case 9: { // AdamW: data, grad, m, v, table, count, beta1, beta2, stepSize, correction2, eps, floats per chunk
      const first = chunk * a(11);
      k.adamWRange(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), first, first + a(11));
      return;
    }
    default:
      throw new Error(`runChunk: unknown op ${s[0]}`);
  }
}

// The workers' program: instances by heap id (announced on the port, read synchronously), then take chunks forever.
function workerSource(): string {
  return `"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { control, slots, port, thread } = workerData;
const runChunk = ${runChunk.toString()};
const ctl = new Int32Array(control);
const slot = [new Float64Array(slots, 0, ${SLOT}), new Float64Array(slots, ${SLOT * 8}, ${SLOT})];
const instances = new Map();
const drain = () => {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    const { id, memory, module } = m.message;
    if (memory === undefined) instances.delete(id);
    else instances.set(id, new WebAssembly.Instance(module, { env: { memory } }).exports);
  }
};
let sleepAt = 0, spins = 0;
for (;;) {
  const v = Atomics.load(ctl, ${NEXT});
  const s = slot[(v >>> 16) & 1];
  if ((v & 0xffff) >= s[1]) {
    if (sleepAt === 0) sleepAt = performance.now() + ${SPIN_MS};
    else if ((++spins & 63) === 0 && performance.now() > sleepAt) {
      drain(); // forgotten heaps, while there is time
      Atomics.wait(ctl, ${NEXT}, v);
      sleepAt = 0;
    }
    continue;
  }
  sleepAt = 0;
  if (Atomics.compareExchange(ctl, ${NEXT}, v, v + 1) !== v) continue;
  try {
    if (!instances.has(s[2])) drain();
    const k = instances.get(s[2]);
    if (k === undefined) throw new Error("no instance for heap " + s[2]);
    runChunk(k, s, v & 0xffff, thread);
  } catch (error) {
    if (Atomics.compareExchange(ctl, ${ERROR}, 0, thread) === 0) {
      new TextEncoder().encodeInto(String(error && error.stack || error).slice(0, ${MESSAGE_BYTES / 4}), new Uint8Array(control, ${MESSAGE * 4}, ${MESSAGE_BYTES}));
    }
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;
}

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: "error" | "exit", listener: (value: unknown) => void): void;
}
interface PortLike {
  postMessage(message: unknown): void;
  unref?(): void;
  close(): void;
}
interface WorkerThreads {
  Worker: new (code: string, options: { eval: true; workerData: unknown; transferList: unknown[] }) => WorkerLike;
  MessageChannel: new () => { port1: PortLike; port2: unknown };
}

function workerThreads(): WorkerThreads | null {
  const node = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  return (node?.getBuiltinModule?.("node:worker_threads") as WorkerThreads | undefined) ?? null;
}

/** The cores there are (os.availableParallelism()), or 1 where that is unknown (a browser). */
function availableCores(): number {
  const node = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  const os = node?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? 1;
}

class Pool {
  readonly size: number;
  private readonly ctl: Int32Array;
  private readonly slots: Float64Array[];
  private readonly workers: WorkerLike[] = [];
  private readonly ports: PortLike[] = [];
  private readonly heapIds = new WeakMap<WasmHeap, number>();
  private readonly forget: FinalizationRegistry<number>;
  private nextHeapId = 1;
  private generation = 0;
  /** Why the pool cannot be used any more (a worker exited or failed to start). */
  broken: string | null = null;

  constructor(size: number, api: WorkerThreads) {
    this.size = size;
    const control = new SharedArrayBuffer(4 * (MESSAGE + MESSAGE_BYTES / 4));
    const slots = new SharedArrayBuffer(2 * SLOT * 8);
    this.ctl = new Int32Array(control);
    this.slots = [new Float64Array(slots, 0, SLOT), new Float64Array(slots, SLOT * 8, SLOT)];
    this.forget = new FinalizationRegistry((id: number) => {
      for (const port of this.ports) port.postMessage({ id });
    });
    const source = workerSource();
    for (let thread = 1; thread < size; thread++) {
      const { port1, port2 } = new api.MessageChannel();
      const worker = new api.Worker(source, { eval: true, workerData: { control, slots, port: port2, thread }, transferList: [port2] });
      worker.unref(); // an idle pool never keeps the process alive
      port1.unref?.();
      worker.on("error", (error) => {
        this.broken = `a worker thread failed: ${(error as Error)?.message ?? error}`;
      });
      worker.on("exit", (code) => {
        this.broken ??= `a worker thread exited (code ${code})`;
      });
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  private idOf(heap: WasmHeap): number {
    let id = this.heapIds.get(heap);
    if (id === undefined) {
      id = this.nextHeapId++;
      this.heapIds.set(heap, id);
      for (const port of this.ports) port.postMessage({ id, memory: heap.memory, module: heap.module });
      this.forget.register(heap, id);
    }
    return id;
  }

  /** Runs the chunks of a job, here and in the workers, and returns when all are done. */
  run(heap: WasmHeap, op: Op, chunks: number, scratch: number, stride: number, args: number[], exports: object): void {
    if (chunks >= 0x10000) throw new RangeError(`kernel threads: ${chunks} chunks, at most 65535`);
    this.generation = (this.generation + 1) & 0x7fff;
    const s = this.slots[this.generation & 1];
    s.set([op, chunks, this.idOf(heap), scratch, stride, ...args]);
    Atomics.store(this.ctl, DONE, 0);
    Atomics.store(this.ctl, NEXT, this.generation << 16);
    Atomics.notify(this.ctl, NEXT);
    let mine = 0, failure: unknown = null;
    for (;;) { // take chunks as the workers do
      const v = Atomics.load(this.ctl, NEXT);
      if ((v >>> 16) !== this.generation || (v & 0xffff) >= chunks) break;
      if (Atomics.compareExchange(this.ctl, NEXT, v, v + 1) !== v) continue;
      try {
        runChunk(exports, s, v & 0xffff, 0);
      } catch (error) {
        failure ??= error; // the chunks out with the workers still finish before this job ends
      }
      mine++;
      workerChunks.main++;
    }
    Atomics.add(this.ctl, DONE, mine);
    let done = Atomics.load(this.ctl, DONE), since = performance.now();
    for (const until = since + SPIN_MS; done < chunks && performance.now() < until; ) done = Atomics.load(this.ctl, DONE); // the last chunks, most often
    while (done < chunks) {
      Atomics.wait(this.ctl, DONE, done, 1000);
      const now = Atomics.load(this.ctl, DONE);
      if (now !== done) [done, since] = [now, performance.now()];
      else if (performance.now() - since > PATIENCE_MS) {
        this.broken = `a worker thread stopped answering (${PATIENCE_MS / 1000} s without progress)`;
        throw new Error(`${opName(op)}: ${this.broken}; the kernels go on with 1 thread`);
      }
    }
    workerChunks.workers += chunks - mine;
    if (failure !== null) {
      Atomics.store(this.ctl, ERROR, 0);
      throw failure;
    }
    const failed = Atomics.exchange(this.ctl, ERROR, 0);
    if (failed !== 0) {
      const bytes = new Uint8Array(this.ctl.buffer, MESSAGE * 4, MESSAGE_BYTES).slice();
      const text = new TextDecoder().decode(bytes.subarray(0, Math.max(0, bytes.indexOf(0)) || MESSAGE_BYTES));
      new Uint8Array(this.ctl.buffer, MESSAGE * 4, MESSAGE_BYTES).fill(0);
      throw new Error(`${opName(op)}: worker thread ${failed} failed: ${text}`);
    }
  }

  close(): void {
    for (const worker of this.workers) void worker.terminate();
    for (const port of this.ports) port.close();
  }
}

function opName(op: Op): string {
  return ["gemm", "gemm", "causal attention", "causal attention backward", "LayerNorm", "LayerNorm backward", "LayerNorm backward",
    "GELU", "GELU backward", "AdamW"][op] ?? "kernel";
}

/** Chunks run by the main thread and by the workers since the start (for tests that want to see the workers work). */
export const workerChunks = { main: 0, workers: 0 };

let wanted: number | null = null;
let pool: Pool | null = null;

function fromEnvironment(): number | null {
  const node = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const text = node?.env?.THELITTLEBABY_THREADS;
  if (text === undefined || text === "") return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`THELITTLEBABY_THREADS=${text}: the number of kernel threads must be an integer from 1 to 256`);
  return n;
}

/** The number of threads the float32 kernels use: setThreads's, else THELITTLEBABY_THREADS, else os.availableParallelism(). */
export function threads(): number {
  return wanted ?? fromEnvironment() ?? availableCores();
}

/**
 * Sets the number of threads of the float32 kernels (1 to 256; the default is every core). Results are the same
 * bits whatever the number: only the speed changes.
 */
export function setThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 256) throw new RangeError(`setThreads: ${count} threads; give an integer from 1 to 256`);
  wanted = count;
  if (pool !== null && pool.size !== count) {
    pool.close();
    pool = null;
  }
}

function currentPool(): Pool | null {
  const count = threads();
  if (pool !== null && pool.broken !== null) { // on with the main thread alone, unless setThreads asks again
    pool.close();
    pool = null;
    wanted = 1;
    return null;
  }
  if (pool !== null && pool.size !== count) {
    pool.close();
    pool = null;
  }
  if (count <= 1) return null;
  if (pool === null) {
    const api = workerThreads();
    if (api === null) return null;
    pool = new Pool(count, api);
  }
  return pool;
}

/**
 * Runs a job of `chunks` chunks on a heap's kernels: on every thread when there are several and the job is big
 * enough to share (work, about its multiply-adds), else here, chunk after chunk (the same chunks, the same bits).
 * Each thread gets scratchFloats of scratch, above the first sharedFloats of the heap's scratch (the caller's).
 */
export function parallel(heap: WasmHeap, op: Op, chunks: number, args: number[], options: { scratchFloats?: number; sharedFloats?: number; work: number }): void {
  const { scratchFloats = 0, sharedFloats = 0, work } = options;
  const shared = chunks > 1 && work >= 1 << 16 ? currentPool() : null;
  const count = shared?.size ?? 1;
  const stride = Math.ceil(scratchFloats / 4) * 16;
  const [, scratch] = heap.reserve(opName(op), [sharedFloats, (count * stride) / 4]);
  if (shared !== null) {
    shared.run(heap, op, chunks, scratch, stride, args, heap.exports);
    return;
  }
  const s = Float64Array.from([op, chunks, 0, scratch, stride, ...args]);
  for (let chunk = 0; chunk < chunks; chunk++) runChunk(heap.exports, s, chunk, 0);
}

/**
 * Chunks of about total / (8 per thread), or total / 4 on one thread, at least `least`, a multiple of `multiple`: the
 * count and the size. Eight per thread, so that the last chunk, which one thread finishes while the others wait, is short.
 */
export function chunking(total: number, least: number, multiple: number): { chunks: number; per: number } {
  const count = threads(), parts = count === 1 ? 4 : 8 * count;
  const per = Math.max(least, Math.ceil(Math.ceil(total / parts) / multiple) * multiple);
  return { chunks: Math.max(1, Math.ceil(total / per)), per };
}
