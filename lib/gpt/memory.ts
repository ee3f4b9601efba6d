// The memory a GPT call needs, computed from the config before anything is allocated (core/memory.ts has the cap).
import { checkBytes } from "../core/memory.js";
import type { DType } from "../core/matrix.js";
import { sizeOf } from "../core/shape.js";
import type { GPTConfig } from "./config.js";
import { parameterShapes } from "./parameters.js";
import { activationShapes } from "./tensors.js";

const BYTES: Record<DType, number> = { float32: 4, float64: 8 };

const values = (table: readonly { shape: readonly number[] }[]): number => table.reduce((n, { shape }) => n + sizeOf(shape), 0);

/** The number of learnable values: one and two layers' worth measured, the other layers alike. */
export function parameterCount(config: GPTConfig): number {
  const one = values(parameterShapes({ ...config, nLayer: 1 }));
  return one + (config.nLayer - 1) * (values(parameterShapes({ ...config, nLayer: 2 })) - one);
}

/** A model of that config (its parameters, gradients and AdamW's two moments, in one memory) must fit. */
export function checkModelMemory(fn: string, config: GPTConfig, dtype: DType): void {
  const { vocabSize, blockSize, nLayer, nEmbd } = config;
  const count = parameterCount(config);
  const what = `a ${dtype} model of vocabSize ${vocabSize}, blockSize ${blockSize}, nLayer ${nLayer}, nEmbd ${nEmbd} (${count} parameters, their gradients and AdamW's moments)`;
  checkBytes(fn, what, 4 * count * BYTES[dtype]);
}

/**
 * forward's activations for B windows of T tokens (all that backward needs) must fit. asOptions: B and T came as
 * the options batchSize and blockSize, and the error names them.
 */
export function checkForwardMemory(fn: string, config: GPTConfig, dtype: DType, B: number, T: number, asOptions = false): void {
  // A first bound without building the table: a batch whose embeddings alone are too large says so at once.
  const what = `a batch of ${asOptions ? `batchSize ${B} x blockSize ${T}` : `${B} x ${T}`} tokens (the activations backward needs, nLayer ${config.nLayer})`;
  checkBytes(fn, what, B * T * config.nEmbd * BYTES[dtype]);
  checkBytes(fn, what, values(activationShapes(config, B, T, true)) * BYTES[dtype]);
}
