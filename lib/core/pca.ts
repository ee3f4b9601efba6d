// Principal component analysis: the directions along which a cloud of points spreads most, to draw points of many
// dimensions (a character's 128 embedding numbers, say) in 2-D. Eigenvectors of the covariance by Jacobi rotations:
// deterministic, exact to rounding, and fine for the few hundred dimensions of a small model.
import { symmetricEigen } from "./linalg.js";
import { Matrix, shapeText } from "./matrix.js";

export interface PrincipalComponents {
  /** (n, k): each point's coordinates along the k components. */
  projected: Matrix;
  /** (k, d): the components, unit vectors, largest variance first; each one's largest entry is positive. */
  components: Matrix;
  /** The variance along each component. */
  variances: number[];
  /** The share of the total variance each component explains. */
  explained: number[];
}

/** principalComponents(points, 2): the n points (rows) of d numbers, centered and projected on the top k components. */
export function principalComponents(points: Matrix, k = 2): PrincipalComponents {
  const op = "principalComponents";
  if (!(points instanceof Matrix)) throw new TypeError(`${op}: points must be a Matrix (one point per row)`);
  const { rows: n, cols: d } = points;
  if (!Number.isSafeInteger(k) || k < 1 || k > d) throw new RangeError(`${op}: k ${k} must be an integer from 1 to ${d}, the columns of ${shapeText(points)}`);
  if (n < 2) throw new RangeError(`${op}: needs at least 2 points, got ${shapeText(points)}`);
  const bad = points.data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new RangeError(`${op}: points[${Math.floor(bad / d)}][${bad % d}] is ${points.data[bad]}`);

  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += points.data[i * d + j] / n;
  const centered = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centered[i * d + j] = points.data[i * d + j] - mean[j];
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < d; p++) {
      const x = centered[i * d + p];
      if (x === 0) continue;
      for (let q = 0; q < d; q++) cov[p * d + q] += (x * centered[i * d + q]) / (n - 1);
    }
  }
  const eigen = symmetricEigen(new Matrix(d, d, cov));
  const values = eigen.values;
  const vectors = eigen.vectors.data;
  const order = [...values.keys()].sort((a, b) => values[b] - values[a]).slice(0, k);
  const components = new Matrix(k, d);
  order.forEach((col, c) => {
    let largest = 0;
    for (let j = 0; j < d; j++) if (Math.abs(vectors[j * d + col]) > Math.abs(vectors[largest * d + col])) largest = j;
    const sign = vectors[largest * d + col] < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components.data[c * d + j] = sign * vectors[j * d + col];
  });
  const projected = new Matrix(n, k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += centered[i * d + j] * components.data[c * d + j];
      projected.data[i * k + c] = sum;
    }
  }
  const total = values.reduce((s, x) => s + Math.max(0, x), 0);
  const variances = order.map((col) => values[col]);
  return { projected, components, variances, explained: variances.map((x) => (total > 0 ? x / total : 0)) };
}
