// Matrix multiplication: the one operation that attention (and a GPT) spends its time in.
import { Matrix, shapeText } from "./matrix.js";

export function checkMatmulShapes(op: string, a: Matrix, b: Matrix): void {
  if (a.cols !== b.rows) {
    throw new RangeError(
      `${op}: ${shapeText(a)} times ${shapeText(b)}: inner dimensions ${a.cols} and ${b.rows} differ`,
    );
  }
}

/**
 * The readable reference: C[i][j] = sum over k of A[i][k] * B[k][j].
 * Every faster kernel is tested against this one.
 */
export function matmulReference(a: Matrix, b: Matrix): Matrix {
  checkMatmulShapes("matmul", a, b);
  const c = Matrix.zeros(a.rows, b.cols, { dtype: a.dtype });
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let sum = 0;
      for (let k = 0; k < a.cols; k++) sum += a.data[i * a.cols + k] * b.data[k * b.cols + j];
      c.data[i * c.cols + j] = sum;
    }
  }
  return c;
}

/** A times B. */
export function matmul(a: Matrix, b: Matrix): Matrix {
  return matmulReference(a, b);
}
