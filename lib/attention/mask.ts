// Masks: which scores a query may not see. 1 marks a hidden score, 0 a visible one, as torch.triu(ones, 1) does.
import { checkMatrix, emptyMatrix, shapeText, type Matrix } from "../core/matrix.js";
import { checkSameShape } from "../core/ops.js";

/** The causal mask for op: 1 above the diagonal. */
export function causalMaskOf(op: string, rows: number, cols: number): Matrix {
  const m = emptyMatrix(op, rows, cols);
  for (let i = 0; i < rows; i++) m.data.fill(1, i * cols + Math.min(i + 1, cols), (i + 1) * cols);
  return m;
}

/**
 * The causal mask, rows x cols: 1 above the diagonal (j > i), so token i sees tokens 0..i and nothing later.
 * Square by default, like torch.triu(torch.ones(n, n), diagonal=1).
 */
export function causalMask(rows: number, cols: number = rows): Matrix {
  return causalMaskOf("causalMask", rows, cols);
}

/** applyMask for op, inputs already checked: every 1 of the mask becomes -Infinity in a copy of the scores. */
export function maskScores(op: string, scores: Matrix, mask: Matrix): Matrix {
  checkSameShape(op, scores, mask);
  const out = emptyMatrix(op, scores.rows, scores.cols, scores.dtype);
  for (let k = 0; k < out.data.length; k++) {
    const hidden = mask.data[k];
    if (hidden !== 0 && hidden !== 1) {
      throw new RangeError(`${op}: mask (${shapeText(mask)}) has ${hidden} at [${Math.floor(k / mask.cols)}][${k % mask.cols}]; use 1 to hide a score and 0 to keep it`);
    }
    out.data[k] = hidden === 1 ? -Infinity : scores.data[k];
  }
  return out;
}

/** scores with every masked entry set to -Infinity, like scores.masked_fill(mask.bool(), -inf): softmax then gives it weight 0. */
export function applyMask(scores: Matrix, mask: Matrix): Matrix {
  checkMatrix("applyMask", "scores", scores, { masked: true });
  checkMatrix("applyMask", "mask", mask);
  return maskScores("applyMask", scores, mask);
}
