// A batch: several sequences of the same shape, as tutorials stack them into a (batch, tokens, width) tensor.
import { checkMatrix, shapeText, type Matrix } from "../core/matrix.js";
import { checkCallerName, describe } from "../core/options.js";
import { selfAttentionOf, type AttentionOptions, type AttentionSteps, type ProjectionWeights } from "./attention.js";
import { multiHeadAttentionOf, type MultiHeadOptions, type MultiHeadSteps, type MultiHeadWeights } from "./multihead.js";

/** Throws unless batch is a non-empty array of matrices that all share the first one's shape. */
export function checkBatch(op: string, batch: readonly Matrix[]): void {
  checkCallerName("checkBatch", op);
  if (!Array.isArray(batch)) throw new TypeError(`${op}: the batch must be an array of matrices, got ${describe(batch)}`);
  if (batch.length === 0) throw new RangeError(`${op}: the batch is empty; pass an array of matrices`);
  // An index loop, not forEach: forEach skips the holes of a sparse array.
  for (let i = 0; i < batch.length; i++) {
    const m = batch[i];
    checkMatrix(op, `batch item ${i}`, m);
    if (m.rows !== batch[0].rows || m.cols !== batch[0].cols) {
      throw new RangeError(`${op}: batch item ${i} is ${shapeText(m)} but item 0 is ${shapeText(batch[0])}; every sequence in a batch needs the same shape`);
    }
  }
}

/** f applied to each sequence in order (so random draws follow PyTorch's batch-first layout), after checking the shapes. */
export function mapBatch<T>(op: string, batch: readonly Matrix[], f: (x: Matrix, index: number) => T): T[] {
  checkCallerName("mapBatch", op);
  checkBatch(op, batch);
  if (typeof f !== "function") throw new TypeError(`${op}: f must be a function, got ${describe(f)}`);
  return batch.map(f);
}

/** selfAttention on every sequence of the batch with the same weights. */
export function selfAttentionBatch(batch: readonly Matrix[], weights: ProjectionWeights, options: AttentionOptions = {}): AttentionSteps[] {
  const op = "selfAttentionBatch";
  return mapBatch(op, batch, (x) => selfAttentionOf(op, x, weights, options));
}

/** multiHeadAttention on every sequence of the batch with the same weights. */
export function multiHeadAttentionBatch(batch: readonly Matrix[], weights: MultiHeadWeights, options: MultiHeadOptions): MultiHeadSteps[] {
  const op = "multiHeadAttentionBatch";
  return mapBatch(op, batch, (x) => multiHeadAttentionOf(op, x, weights, options));
}
