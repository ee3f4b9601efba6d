// Softmax per row: turns any row of scores into weights that are positive and sum to 1.
import { Matrix, checkMatrix, emptyMatrix, shapeText } from "./matrix.js";

/** softmaxRows for op: scores finite or -Infinity (masked). */
export function softmaxOf(op: string, scores: Matrix): Matrix {
  const { rows, cols, data } = scores;
  const out = emptyMatrix(op, rows, cols, scores.dtype);
  for (let i = 0; i < rows; i++) {
    const offset = i * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) {
      const s = data[offset + j];
      if (Number.isNaN(s) || s === Infinity) {
        throw new RangeError(`${op}: score at [${i}][${j}] of ${shapeText(scores)} is ${s}; scores must be finite or -Infinity (masked)`);
      }
      if (s > max) max = s;
    }
    if (max === -Infinity) {
      throw new RangeError(`${op}: row ${i} of ${shapeText(scores)} is masked everywhere (all -Infinity); softmax needs at least one score`);
    }
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(data[offset + j] - max);
      out.data[offset + j] = e;
      sum += e;
    }
    for (let j = 0; j < cols; j++) out.data[offset + j] /= sum;
  }
  return out;
}

/**
 * softmax(s)_j = exp(s_j - max) / sum_k exp(s_k - max).
 * Subtracting the row's max changes nothing mathematically but keeps exp() from overflowing,
 * so scores of 1000 or -1000 work. -Infinity (a masked score) gives a weight of exactly 0.
 */
export function softmaxRows(scores: Matrix): Matrix {
  checkMatrix("softmaxRows", "scores", scores, { masked: true });
  return softmaxOf("softmaxRows", scores);
}
