// A batch: several sequences of the same shape, as tutorials stack them into a (batch, tokens, width) tensor.
import { Matrix, shapeText } from "./matrix.js";
import { selfAttention, type AttentionOptions, type AttentionSteps, type ProjectionWeights } from "./attention.js";
import { multiHeadAttention, type MultiHeadOptions, type MultiHeadSteps, type MultiHeadWeights } from "./multihead.js";

/** Throws unless batch is a non-empty array of matrices that all share the first one's shape. */
export function checkBatch(op: string, batch: readonly Matrix[]): void {
  if (!Array.isArray(batch) || batch.length === 0) throw new RangeError(`${op}: the batch is empty; pass an array of matrices`);
  batch.forEach((m, i) => {
    if (!(m instanceof Matrix)) throw new TypeError(`${op}: batch item ${i} is not a Matrix`);
    if (m.rows !== batch[0].rows || m.cols !== batch[0].cols) {
      throw new RangeError(`${op}: batch item ${i} is ${shapeText(m)} but item 0 is ${shapeText(batch[0])}; every sequence in a batch needs the same shape`);
    }
  });
}

/** f applied to each sequence in order (so random draws follow PyTorch's batch-first layout), after checking the shapes. */
export function mapBatch<T>(op: string, batch: readonly Matrix[], f: (x: Matrix, index: number) => T): T[] {
  checkBatch(op, batch);
  return batch.map(f);
}

/** selfAttention on every sequence of the batch with the same weights. */
export function selfAttentionBatch(batch: readonly Matrix[], weights: ProjectionWeights, options: AttentionOptions = {}): AttentionSteps[] {
  return mapBatch("selfAttentionBatch", batch, (x) => selfAttention(x, weights, options));
}

/** multiHeadAttention on every sequence of the batch with the same weights. */
export function multiHeadAttentionBatch(batch: readonly Matrix[], weights: MultiHeadWeights, options: MultiHeadOptions): MultiHeadSteps[] {
  return mapBatch("multiHeadAttentionBatch", batch, (x) => multiHeadAttention(x, weights, options));
}
