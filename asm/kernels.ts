// The float32 kernels in WebAssembly SIMD (AssemblyScript). The lib's loader copies matrices into
// this module's memory and passes byte offsets; nothing here allocates.
// Same plan as lib/kernels/packed.ts, four floats at a time: pack A into MR-row micro-panels and B
// into NR-column panels so that the inner loop reads both in order, then keep an MR x NR block of
// C in registers (MR rows x 2 vectors of 4 = 8 accumulators) while walking the shared dimension.

const MR: i32 = 4; // rows of C per micro-kernel call
const NR: i32 = 8; // columns of C per micro-kernel call: two f32x4 vectors
const KC: i32 = 256; // depth of one pass, so an A micro-panel and a B panel stay in L1 cache
const MC: i32 = 128; // rows of A per pass, so the packed A block stays in L2 cache

/** Rows [0, m) and depth [k0, k0 + kc) of A (row stride lda floats) into MR-row micro-panels, zero padded. */
function packA(a: usize, lda: i32, m: i32, k0: i32, kc: i32, dst: usize): void {
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = min(MR, m - i0);
    for (let r = 0; r < MR; r++) {
      const src = a + (<usize>((i0 + r) * lda + k0) << 2);
      for (let p = 0; p < kc; p++) {
        store<f32>(dst + (<usize>(p * MR + r) << 2), r < rows ? load<f32>(src + (<usize>p << 2)) : 0);
      }
    }
    dst += <usize>(MR * kc) << 2;
  }
}

/** Depth [k0, k0 + kc) of B into NR-column panels, zero padded; B(p, j) sits at b + 4 * (p * rs + j * cs). */
function packB(b: usize, rs: i32, cs: i32, k0: i32, kc: i32, n: i32, dst: usize): void {
  for (let j0 = 0; j0 < n; j0 += NR) {
    const cols = min(NR, n - j0);
    for (let p = 0; p < kc; p++) {
      const row = b + (<usize>((k0 + p) * rs + j0 * cs) << 2);
      for (let x = 0; x < NR; x++) {
        store<f32>(dst + (<usize>(p * NR + x) << 2), x < cols ? load<f32>(row + (<usize>(x * cs) << 2)) : 0);
      }
    }
    dst += <usize>(NR * kc) << 2;
  }
}

/** C (MR x NR block, row stride ldc floats) += A micro-panel times B panel over depth kc. */
// @ts-ignore: AssemblyScript decorator
@inline
function microKernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32): void {
  const row = <usize>ldc << 2;
  let c00 = v128.load(c), c01 = v128.load(c, 16);
  let c10 = v128.load(c + row), c11 = v128.load(c + row, 16);
  let c20 = v128.load(c + 2 * row), c21 = v128.load(c + 2 * row, 16);
  let c30 = v128.load(c + 3 * row), c31 = v128.load(c + 3 * row, 16);
  const end = ap + (<usize>(kc * MR) << 2);
  while (ap < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + row, c10); v128.store(c + row, c11, 16);
  v128.store(c + 2 * row, c20); v128.store(c + 2 * row, c21, 16);
  v128.store(c + 3 * row, c30); v128.store(c + 3 * row, c31, 16);
}

/** One MR x NR block of C += panels; blocks cut by the matrix edge go through the MR x NR tile. */
function block(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, tile: usize): void {
  if (rows == MR && cols == NR) {
    microKernel(ap, bp, kc, c, ldc);
    return;
  }
  memory.fill(tile, 0, <usize>(MR * NR) << 2);
  for (let r = 0; r < rows; r++) memory.copy(tile + (<usize>(r * NR) << 2), c + (<usize>(r * ldc) << 2), <usize>cols << 2);
  microKernel(ap, bp, kc, tile, NR);
  for (let r = 0; r < rows; r++) memory.copy(c + (<usize>(r * ldc) << 2), tile + (<usize>(r * NR) << 2), <usize>cols << 2);
}

/**
 * C (m x n) = A (m x k) times B (k x n), or times the transpose of B (n x k) when transposeB is 1.
 * packedA needs 4 * roundUp(min(m, MC), MR) * min(k, KC) bytes, packedB 4 * roundUp(n, NR) * min(k, KC), tile 4 * MR * NR.
 */
export function matmul(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transposeB: i32, packedA: usize, packedB: usize, tile: usize): void {
  gemm(a, b, c, m, k, n, 0, transposeB, 0, packedA, packedB, tile);
}

/**
 * Rows [0, m) and depth [k0, k0 + kc) of A into MR-row micro-panels, zero padded; A(i, p) sits at a + 4 * (i * rs + p * cs).
 * Depth outside, rows inside: for A read transposed (rs 1) the MR values of one step are adjacent, one vector load.
 */
function packAStrided(a: usize, rs: i32, cs: i32, m: i32, k0: i32, kc: i32, dst: usize): void {
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = min(MR, m - i0);
    const panel = a + (<usize>(i0 * rs + k0 * cs) << 2);
    if (rs == 1 && rows == MR) {
      for (let p = 0; p < kc; p++) v128.store(dst + (<usize>(p * MR) << 2), v128.load(panel + (<usize>(p * cs) << 2)));
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(dst + (<usize>(p * MR + r) << 2), r < rows ? load<f32>(panel + (<usize>(r * rs + p * cs) << 2)) : 0);
        }
      }
    }
    dst += <usize>(MR * kc) << 2;
  }
}

/**
 * C (m x n) = op(A) op(B), or C += op(A) op(B) when accumulate is 1. op(A) is m x k: A itself (m x k) or, when
 * transposeA is 1, the transpose of A stored k x m; op(B) is k x n: B (k x n) or the transpose of B stored n x k.
 * The transposes are read in place by the packing, never copied. Scratch as for matmul.
 */
export function gemm(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transposeA: i32, transposeB: i32, accumulate: i32,
  packedA: usize, packedB: usize, tile: usize,
): void {
  if (!accumulate) memory.fill(c, 0, <usize>(m * n) << 2);
  const ars = transposeA ? 1 : k;
  const acs = transposeA ? m : 1;
  const brs = transposeB ? 1 : n;
  const bcs = transposeB ? k : 1;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    packB(b, brs, bcs, k0, kc, n, packedB);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const rows = min(MC, m - i0);
      packAStrided(a + (<usize>(i0 * ars) << 2), ars, acs, rows, k0, kc, packedA);
      // B panel outside, A micro-panels inside: the KC x NR B panel stays in L1, the MC x KC A block in L2.
      for (let j0 = 0; j0 < n; j0 += NR) {
        const bp = packedB + (<usize>(j0 * kc) << 2);
        for (let r0 = 0; r0 < rows; r0 += MR) {
          block(packedA + (<usize>(r0 * kc) << 2), bp, kc, c + (<usize>((i0 + r0) * n + j0) << 2), n, min(MR, rows - r0), min(NR, n - j0), tile);
        }
      }
    }
  }
}

const RB: i32 = 16; // query rows per attention step: their scores (RB x keys) stay in L2 between the two products

/**
 * e^x for x <= 0, four at a time. x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two so that r is exact),
 * e^r by its Taylor series to r^7 (relative error below 1e-8 there), and 2^n written into the exponent bits.
 * Below -87, 2^n leaves float32's range: such weights are 0 next to the row's largest (which is e^0 = 1).
 */
// @ts-ignore: AssemblyScript decorator
@inline
function exp4(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.4426950408889634)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145751953125))), f32x4.mul(n, f32x4.splat(1.4286067653302E-6)));
  let p = f32x4.splat(<f32>(1.0 / 5040));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>(1.0 / 720)));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>(1.0 / 120)));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>(1.0 / 24)));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>(1.0 / 6)));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  const twoToN = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, twoToN);
}

// @ts-ignore: AssemblyScript decorator
@inline
function largestLane(x: v128): f32 {
  return max(max(f32x4.extract_lane(x, 0), f32x4.extract_lane(x, 1)), max(f32x4.extract_lane(x, 2), f32x4.extract_lane(x, 3)));
}

// @ts-ignore: AssemblyScript decorator
@inline
function sumOfLanes(x: v128): f32 {
  return (f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1)) + (f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3));
}

/** Each row of scores (rows x keys, row stride ld) times scale, then softmax over its first `valid` entries; zeros after. */
function softmaxRows(scores: usize, ld: i32, rows: i32, firstRow: i32, keys: i32, scale: f32, causal: i32): void {
  const scale4 = f32x4.splat(scale);
  for (let r = 0; r < rows; r++) {
    const row = scores + (<usize>(r * ld) << 2);
    const valid = causal ? min(keys, firstRow + r + 1) : keys;
    const vectorEnd = row + (<usize>(valid & ~3) << 2);
    const end = row + (<usize>valid << 2);
    let max4 = f32x4.splat(-Infinity);
    for (let x = row; x < vectorEnd; x += 16) max4 = f32x4.max(max4, f32x4.mul(v128.load(x), scale4));
    let max = largestLane(max4);
    for (let x = vectorEnd; x < end; x += 4) max = Mathf.max(max, load<f32>(x) * scale);
    const shift = f32x4.splat(max);
    let sum4 = f32x4.splat(0);
    for (let x = row; x < vectorEnd; x += 16) {
      const e = exp4(f32x4.sub(f32x4.mul(v128.load(x), scale4), shift));
      v128.store(x, e);
      sum4 = f32x4.add(sum4, e);
    }
    let sum = sumOfLanes(sum4);
    for (let x = vectorEnd; x < end; x += 4) {
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(x) * scale - max)), 0);
      store<f32>(x, e);
      sum += e;
    }
    const inverse = f32x4.splat(1 / sum);
    for (let x = row; x < vectorEnd; x += 16) v128.store(x, f32x4.mul(v128.load(x), inverse));
    for (let x = vectorEnd; x < end; x += 4) store<f32>(x, load<f32>(x) * (1 / sum));
    memory.fill(end, 0, <usize>(keys - valid) << 2);
  }
}

/**
 * out (t x dv) = softmax(scale * Q K^T) V for Q (t x d), K (s x d), V (s x dv), RB query rows at a time.
 * K is packed as B panels read transposed (no K^T copy). When causal (t == s), query i sees keys 0..i only,
 * and blocks of Q K^T above the diagonal and of P V past it are never computed.
 * Scratch bytes: packedQ 4*RB*d, packedK 4*roundUp(s,NR)*d, packedV 4*roundUp(dv,NR)*s, scores and packedP 4*RB*s each.
 */
export function attention(
  q: usize, k: usize, v: usize, out: usize, t: i32, s: i32, d: i32, dv: i32, scale: f32, causal: i32,
  packedQ: usize, packedK: usize, packedV: usize, scores: usize, packedP: usize, tile: usize,
): void {
  packB(k, 1, d, 0, d, s, packedK);
  packB(v, dv, 1, 0, s, dv, packedV);
  memory.fill(out, 0, <usize>(t * dv) << 2);
  for (let i0 = 0; i0 < t; i0 += RB) {
    const rows = min(RB, t - i0);
    const keys = causal ? min(s, i0 + rows) : s;
    packA(q + (<usize>(i0 * d) << 2), d, rows, 0, d, packedQ);
    memory.fill(scores, 0, <usize>(rows * s) << 2);
    for (let j0 = 0; j0 < keys; j0 += NR) {
      for (let r0 = 0; r0 < rows; r0 += MR) {
        if (causal && j0 > i0 + r0 + MR - 1) continue; // wholly above the diagonal: masked anyway
        block(packedQ + (<usize>(r0 * d) << 2), packedK + (<usize>(j0 * d) << 2), d,
          scores + (<usize>(r0 * s + j0) << 2), s, min(MR, rows - r0), min(NR, keys - j0), tile);
      }
    }
    softmaxRows(scores, s, rows, i0, keys, scale, causal);
    packA(scores, s, rows, 0, keys, packedP);
    for (let p0 = 0; p0 < keys; p0 += KC) { // KC keys at a time, so the panels in use stay in L1
      for (let j0 = 0; j0 < dv; j0 += NR) {
        for (let r0 = 0; r0 < rows; r0 += MR) {
          const depth = min(KC, (causal ? min(keys, i0 + r0 + MR) : keys) - p0); // weights past the diagonal are 0
          if (depth <= 0) continue;
          block(packedP + (<usize>(r0 * keys + p0 * MR) << 2), packedV + (<usize>(j0 * s + p0 * NR) << 2), depth,
            out + (<usize>((i0 + r0) * dv + j0) << 2), dv, min(MR, rows - r0), min(NR, dv - j0), tile);
        }
      }
    }
  }
}
