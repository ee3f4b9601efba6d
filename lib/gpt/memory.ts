// The memory a GPT call needs, computed from the config before anything is allocated (core/memory.ts has the cap).
import { checkBytes } from "../core/memory.js";
import type { DType } from "../core/matrix.js";
import type { GPTConfig } from "./config.js";
import { parameterShapes } from "./parameters.js";

const BYTES: Record<DType, number> = { float32: 4, float64: 8 };

const count = (config: GPTConfig): number => parameterShapes(config).reduce((n, { shape }) => n + shape.reduce((a, b) => a * b, 1), 0);

/** The number of learnable values: one and two layers' worth measured, the rest of the layers alike. */
export function parameterCount(config: GPTConfig): number {
  const one = count({ ...config, nLayer: 1 });
  return one + (config.nLayer - 1) * (count({ ...config, nLayer: 2 }) - one);
}

/** The parameters and their gradients of a model of that config must fit: an error names fn, the config and the bytes. */
export function checkModelMemory(fn: string, config: GPTConfig, dtype: DType): void {
  const { vocabSize, blockSize, nLayer, nEmbd } = config;
  const what = `a ${dtype} model of vocabSize ${vocabSize}, blockSize ${blockSize}, nLayer ${nLayer}, nEmbd ${nEmbd} (${parameterCount(config)} parameters and their gradients)`;
  checkBytes(fn, what, 2 * parameterCount(config) * BYTES[dtype]);
}

/** forward's activations for B windows of T tokens must fit (what backward needs is kept, so about 30 C per token per layer). */
export function checkForwardMemory(fn: string, config: GPTConfig, dtype: DType, B: number, T: number): void {
  const { vocabSize: V, nEmbd: C, nHead, nLayer, dropout } = config;
  const N = B * T, drop = dropout > 0 ? 1 : 0;
  const attention = B * nHead * T * T * (1 + 2 * drop) + 3 * N * C + 4 * T * C + T * T;
  const perLayer = N * C * (22 + 2 * drop) + 4 * N + attention;
  const values = nLayer * perLayer + N * C * (11 + drop) + 3 * N * V + 2 * N * 4 * C;
  checkBytes(fn, `a batch of ${B} x ${T} tokens (the activations backward needs, nLayer ${nLayer})`, values * BYTES[dtype]);
}
