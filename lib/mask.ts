// Masks: which scores a query may not see. 1 marks a hidden score, 0 a visible one, as torch.triu(ones, 1) does.
import { Matrix, shapeText } from "./matrix.js";
import { checkSameShape, map } from "./ops.js";

/**
 * The causal mask, rows x cols: 1 above the diagonal (j > i), so token i sees tokens 0..i and nothing later.
 * Square by default, like torch.triu(torch.ones(n, n), diagonal=1).
 */
export function causalMask(rows: number, cols: number = rows): Matrix {
  return Matrix.generate(rows, cols, (i, j) => (j > i ? 1 : 0));
}

/** scores with every masked entry set to -Infinity, like scores.masked_fill(mask.bool(), -inf): softmax then gives it weight 0. */
export function applyMask(scores: Matrix, mask: Matrix): Matrix {
  checkSameShape("applyMask", scores, mask);
  return map(scores, (s, i, j) => {
    const hidden = mask.data[i * mask.cols + j];
    if (hidden !== 0 && hidden !== 1) {
      throw new RangeError(`applyMask: mask (${shapeText(mask)}) has ${hidden} at [${i}][${j}]; use 1 to hide a score and 0 to keep it`);
    }
    return hidden === 1 ? -Infinity : s;
  });
}
