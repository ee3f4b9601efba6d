// Principal component analysis: the directions along which a cloud of points spreads most, to draw points of many
// dimensions (a character's 128 embedding numbers, say) in 2-D. Eigenvectors of the covariance by Jacobi rotations:
// deterministic, exact to rounding, and fine for the few hundred dimensions of a small model.
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

/** Eigenvalues and eigenvectors (as columns of v) of a symmetric matrix a (d x d, row-major, overwritten). */
function jacobiEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    if (off === 0 || off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i];
  return { values, vectors: v };
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
  const { values, vectors } = jacobiEigen(cov, d);
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
