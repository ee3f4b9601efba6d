// The float32 kernels in WebAssembly SIMD (AssemblyScript). The module imports its memory: the lib gives each
// float32 GPT one memory holding all its tensors (lib/gpt/tensors.ts) and passes byte offsets into it; other
// arrays are copied into a memory of the loader's. Nothing here allocates.
// Same plan as lib/kernels/packed.ts, four floats at a time: pack A into MR-row micro-panels and B
// into NR-column panels so that the inner loop reads both in order, then keep an MR x NR block of
// C in registers (MR rows x 2 vectors of 4 = 8 accumulators) while walking the shared dimension.
// gemm may take panels of WIDE columns instead (nr = WIDE): the 4x16 micro-kernel, for an engine that pairs its
// 128-bit operations into 256-bit ones (V8's revectorizer); the same sums in the same order, so the same bits.

const MR: i32 = 4; // rows of C per micro-kernel call
const NR: i32 = 8; // columns of C per micro-kernel call: two f32x4 vectors
const WIDE: i32 = 16; // columns of the wide micro-kernel: four f32x4 vectors
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

/** The 4x4 block of floats at src (rows `stride` bytes apart) transposed into dst (rows `dstStride` bytes apart). */
// @ts-ignore: AssemblyScript decorator
@inline
function transpose4(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + stride), r2 = v128.load(src + 2 * stride), r3 = v128.load(src + 3 * stride);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + dstStride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Depth [k0, k0 + kc) of B into nr-column panels (NR or WIDE), zero padded; B(p, j) sits at b + 4 * (p * rs + j * cs).
 * Full panels of B as stored (cs 1) copy nr / 4 vectors per step; of B read transposed (rs 1), 4x4 transposes.
 */
function packB(b: usize, rs: i32, cs: i32, k0: i32, kc: i32, n: i32, dst: usize, nr: i32 = NR): void {
  for (let j0 = 0; j0 < n; j0 += nr) {
    const cols = min(nr, n - j0);
    let p = 0;
    if (cols == nr && cs == 1) {
      for (; p < kc; p++) {
        const row = b + (<usize>((k0 + p) * rs + j0) << 2);
        for (let x = 0; x < nr; x += 4) v128.store(dst + (<usize>(p * nr + x) << 2), v128.load(row + (<usize>x << 2)));
      }
    } else if (cols == nr && rs == 1) {
      for (; p + 4 <= kc; p += 4) {
        const column = b + (<usize>(k0 + p + j0 * cs) << 2);
        for (let x = 0; x < nr; x += 4) transpose4(column + (<usize>(x * cs) << 2), <usize>cs << 2, dst + (<usize>(p * nr + x) << 2), <usize>nr << 2);
      }
    }
    for (; p < kc; p++) {
      const row = b + (<usize>((k0 + p) * rs + j0 * cs) << 2);
      for (let x = 0; x < nr; x++) {
        store<f32>(dst + (<usize>(p * nr + x) << 2), x < cols ? load<f32>(row + (<usize>(x * cs) << 2)) : 0);
      }
    }
    dst += <usize>(nr * kc) << 2;
  }
}

/**
 * c + a b, four lanes: rounded twice (the product, then the sum), or, in the module built with relaxed SIMD
 * (asm/build.mjs --fused), once by a fused multiply-add where the CPU has one (x86-64 with FMA3, ARM64); V8 keeps
 * the two roundings on a CPU without, so that module's bits depend on the CPU.
 */
// @ts-ignore: AssemblyScript decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
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
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + row, c10); v128.store(c + row, c11, 16);
  v128.store(c + 2 * row, c20); v128.store(c + 2 * row, c21, 16);
  v128.store(c + 3 * row, c30); v128.store(c + 3 * row, c31, 16);
}

/**
 * C (MR x WIDE block) += A micro-panel times a WIDE-column B panel over depth kc. Row r's four accumulators are
 * loaded, updated with the same splat of A and stored side by side, 16 bytes apart: what V8's revectorizer pairs
 * into two 256-bit accumulators per row. Each element sums the depth in the microKernel's order: the same bits.
 */
// @ts-ignore: AssemblyScript decorator
@inline
function wideMicroKernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32): void {
  const row = <usize>ldc << 2;
  const c0 = c, c1 = c + row, c2 = c + 2 * row, c3 = c + 3 * row;
  let c00 = v128.load(c0), c01 = v128.load(c0, 16), c02 = v128.load(c0, 32), c03 = v128.load(c0, 48);
  let c10 = v128.load(c1), c11 = v128.load(c1, 16), c12 = v128.load(c1, 32), c13 = v128.load(c1, 48);
  let c20 = v128.load(c2), c21 = v128.load(c2, 16), c22 = v128.load(c2, 32), c23 = v128.load(c2, 48);
  let c30 = v128.load(c3), c31 = v128.load(c3, 16), c32 = v128.load(c3, 32), c33 = v128.load(c3, 48);
  const end = ap + (<usize>(kc * MR) << 2);
  while (ap < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16), b2 = v128.load(bp, 32), b3 = v128.load(bp, 48);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21); c22 = madd(a, b2, c22); c23 = madd(a, b3, c23);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31); c32 = madd(a, b2, c32); c33 = madd(a, b3, c33);
    ap += 16;
    bp += 64;
  }
  v128.store(c0, c00); v128.store(c0, c01, 16); v128.store(c0, c02, 32); v128.store(c0, c03, 48);
  v128.store(c1, c10); v128.store(c1, c11, 16); v128.store(c1, c12, 32); v128.store(c1, c13, 48);
  v128.store(c2, c20); v128.store(c2, c21, 16); v128.store(c2, c22, 32); v128.store(c2, c23, 48);
  v128.store(c3, c30); v128.store(c3, c31, 16); v128.store(c3, c32, 32); v128.store(c3, c33, 48);
}

/**
 * One MR x nr block of C += panels by the 4x8 micro-kernel (nr NR) or the 4x16 one (nr WIDE); blocks cut by the
 * matrix edge go through the MR x nr tile. Inlined into one function per width. The 4x8 kernel is inlined twice (on
 * C, on the tile), the 4x16 one once (on either): each the faster way, by 1.1 to 1.2x on a step's products.
 */
// @ts-ignore: AssemblyScript decorator
@inline
function blockOf(nr: i32, ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, tile: usize): void {
  const whole = rows == MR && cols == nr;
  if (whole && nr == NR) {
    microKernel(ap, bp, kc, c, ldc);
    return;
  }
  if (!whole) {
    memory.fill(tile, 0, <usize>(MR * nr) << 2);
    for (let r = 0; r < rows; r++) memory.copy(tile + (<usize>(r * nr) << 2), c + (<usize>(r * ldc) << 2), <usize>cols << 2);
  }
  if (nr == WIDE) wideMicroKernel(ap, bp, kc, whole ? c : tile, whole ? ldc : nr);
  else microKernel(ap, bp, kc, tile, nr);
  if (!whole) for (let r = 0; r < rows; r++) memory.copy(c + (<usize>(r * ldc) << 2), tile + (<usize>(r * nr) << 2), <usize>cols << 2);
}

/** One MR x NR block of C += panels (see blockOf). */
function block(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, tile: usize): void {
  blockOf(NR, ap, bp, kc, c, ldc, rows, cols, tile);
}

/** One MR x WIDE block of C += panels (see blockOf). */
function wideBlock(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, tile: usize): void {
  blockOf(WIDE, ap, bp, kc, c, ldc, rows, cols, tile);
}

/**
 * C (m x n) = A (m x k) times B (k x n), or times the transpose of B (n x k) when transposeB is 1.
 * Scratch and nr as for gemm.
 */
export function matmul(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transposeB: i32, packedA: usize, packedB: usize, tile: usize, nr: i32): void {
  gemm(a, b, c, m, k, n, 0, transposeB, 0, packedA, packedB, tile, nr);
}

/**
 * Rows [0, m) and depth [k0, k0 + kc) of A into MR-row micro-panels, zero padded; A(i, p) sits at a + 4 * (i * rs + p * cs).
 * Depth outside, rows inside: for A read transposed (rs 1) the MR values of one step are adjacent, one vector load.
 */
function packAStrided(a: usize, rs: i32, cs: i32, m: i32, k0: i32, kc: i32, dst: usize): void {
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = min(MR, m - i0);
    const panel = a + (<usize>(i0 * rs + k0 * cs) << 2);
    let p = 0;
    if (rs == 1 && rows == MR) {
      for (; p < kc; p++) v128.store(dst + (<usize>(p * MR) << 2), v128.load(panel + (<usize>(p * cs) << 2)));
    } else if (cs == 1 && rows == MR) {
      for (; p + 4 <= kc; p += 4) transpose4(panel + (<usize>p << 2), <usize>rs << 2, dst + (<usize>(p * MR) << 2), MR << 2);
    }
    for (; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        store<f32>(dst + (<usize>(p * MR + r) << 2), r < rows ? load<f32>(panel + (<usize>(r * rs + p * cs) << 2)) : 0);
      }
    }
    dst += <usize>(MR * kc) << 2;
  }
}

/**
 * Column panels [panel0, panel1) (nr columns each: NR, or WIDE for the wide micro-kernel) of op(B) (k x n; B(p, j)
 * at b + 4 * (p * rs + j * cs)) for every depth slice at once: slice k0 (KC deep, kc = min(KC, k - k0)) at
 * dst + 4 * k0 * roundUp(n, nr), its panel j0 at 4 * j0 * kc in it. Panels are independent: threads may pack different ones.
 */
export function gemmPackB(b: usize, rs: i32, cs: i32, k: i32, n: i32, panel0: i32, panel1: i32, dst: usize, nr: i32): void {
  const width = (n + nr - 1) / nr * nr;
  const j0 = panel0 * nr, j1 = min(n, panel1 * nr);
  if (j1 <= j0) return;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    packB(b + (<usize>(j0 * cs) << 2), rs, cs, k0, kc, j1 - j0, dst + (<usize>(k0 * width + j0 * kc) << 2), nr);
  }
}

/**
 * Rows [i0, i1) of C (row stride ldc) = op(A) op(B), or += when accumulate, from B packed by gemmPackB in panels
 * of nr columns; A(i, p) at a + 4 * (i * ars + p * acs). Each element of C is summed over the depth in the same order
 * whatever the rows asked and whatever nr, so threads that share the rows out, and either micro-kernel, give the
 * bits of one thread. packedA 4*roundUp(min(rows, MC), MR)*min(k, KC) bytes, tile 4*MR*nr.
 */
export function gemmRows(
  a: usize, ars: i32, acs: i32, packedB: usize, c: usize, ldc: i32, i0: i32, i1: i32, k: i32, n: i32, accumulate: i32, packedA: usize, tile: usize,
  nr: i32,
): void {
  if (!accumulate) for (let i = i0; i < i1; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
  const width = (n + nr - 1) / nr * nr;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const slice = packedB + (<usize>(k0 * width) << 2);
    for (let top = i0; top < i1; top += MC) {
      const rows = min(MC, i1 - top);
      packAStrided(a + (<usize>(top * ars) << 2), ars, acs, rows, k0, kc, packedA);
      // B panel outside, A micro-panels inside: the KC x nr B panel stays in L1, the MC x KC A block in L2.
      for (let j0 = 0; j0 < n; j0 += nr) {
        const bp = slice + (<usize>(j0 * kc) << 2);
        for (let r0 = 0; r0 < rows; r0 += MR) {
          const ap = packedA + (<usize>(r0 * kc) << 2), cp = c + (<usize>((top + r0) * ldc + j0) << 2);
          if (nr == WIDE) wideBlock(ap, bp, kc, cp, ldc, min(MR, rows - r0), min(nr, n - j0), tile);
          else block(ap, bp, kc, cp, ldc, min(MR, rows - r0), min(nr, n - j0), tile);
        }
      }
    }
  }
}

/**
 * C (m x n) = op(A) op(B), or C += op(A) op(B) when accumulate is 1. op(A) is m x k: A itself (m x k) or, when
 * transposeA is 1, the transpose of A stored k x m; op(B) is k x n: B (k x n) or the transpose of B stored n x k.
 * The transposes are read in place by the packing, never copied. nr: the micro-kernel, NR (4x8) or WIDE (4x16),
 * same bits. Scratch: packedA as for gemmRows, packedB 4*roundUp(n,nr)*k bytes, tile 4*MR*nr.
 */
export function gemm(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transposeA: i32, transposeB: i32, accumulate: i32,
  packedA: usize, packedB: usize, tile: usize, nr: i32,
): void {
  gemmPackB(b, transposeB ? 1 : n, transposeB ? k : 1, k, n, 0, (n + nr - 1) / nr, packedB, nr);
  gemmRows(a, transposeA ? 1 : k, transposeA ? m : 1, packedB, c, n, 0, m, k, n, accumulate, packedA, tile, nr);
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

/**
 * tanh to float32 precision, four at a time: the odd/even rational approximation of Eigen's float tanh
 * (degree 13 over degree 6, a few ulp), clamped where tanh rounds to +-1 in float32.
 */
// @ts-ignore: AssemblyScript decorator
@inline
function tanh4(u: v128): v128 {
  const x = f32x4.min(f32x4.max(u, f32x4.splat(-7.90531110763549805)), f32x4.splat(7.90531110763549805));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(4.89352455891786e-3));
  let q = f32x4.splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(2.26843463243900e-3));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(4.89352518554385e-3));
  return f32x4.div(f32x4.mul(x, p), q);
}

/**
 * GELU, tanh approximation, on n floats (read and written four at a time: the regions must have room for n
 * rounded up to 4): out = 0.5 x (1 + tanh u), u = sqrt(2/pi) (x + 0.044715 x^3); keeps tanh u for backward.
 */
export function geluForward(inp: usize, out: usize, tanhU: usize, n: i32): void {
  const end = inp + (<usize>n << 2);
  const half = f32x4.splat(0.5), one = f32x4.splat(1), cubic = f32x4.splat(0.044715), scale = f32x4.splat(0.7978845608028654);
  for (; inp < end; inp += 16, out += 16, tanhU += 16) {
    const x = v128.load(inp);
    const t = tanh4(f32x4.mul(scale, f32x4.add(x, f32x4.mul(cubic, f32x4.mul(f32x4.mul(x, x), x)))));
    v128.store(tanhU, t);
    v128.store(out, f32x4.mul(f32x4.mul(half, x), f32x4.add(one, t)));
  }
}

// The three products of causal attention, on packed panels (A from packA or packAStrided, B from packB) of T rows
// and T keys. Row t of the weights P (and of their gradient) is zero past key t, so each product skips a triangle.

/** out (T x T, row stride T) += A B^T restricted to its lower triangle: blocks wholly above the diagonal are skipped. */
function lowerProduct(packedA: usize, packedB: usize, depth: i32, out: usize, T: i32, tile: usize): void {
  for (let j0 = 0; j0 < T; j0 += NR) {
    for (let r0 = 0; r0 < T; r0 += MR) {
      if (j0 > r0 + MR - 1) continue;
      block(packedA + (<usize>(r0 * depth) << 2), packedB + (<usize>(j0 * depth) << 2), depth, out + (<usize>(r0 * T + j0) << 2), T, min(MR, T - r0), min(NR, T - j0), tile);
    }
  }
}

/** out (T x n, row stride ld) += L B for L (T x T) lower triangular: row t sums over depth 0..t only. */
function lowerTimes(packedL: usize, packedB: usize, T: i32, n: i32, out: usize, ld: i32, tile: usize): void {
  for (let j0 = 0; j0 < n; j0 += NR) {
    for (let r0 = 0; r0 < T; r0 += MR) {
      block(packedL + (<usize>(r0 * T) << 2), packedB + (<usize>(j0 * T) << 2), min(T, r0 + MR), out + (<usize>(r0 * ld + j0) << 2), ld, min(MR, T - r0), min(NR, n - j0), tile);
    }
  }
}

/** out (T x n, row stride ld) += L^T B for L (T x T) lower triangular, packed transposed: row i sums over depth i..T-1 only. */
function lowerTransposedTimes(packedLT: usize, packedB: usize, T: i32, n: i32, out: usize, ld: i32, tile: usize): void {
  for (let j0 = 0; j0 < n; j0 += NR) {
    for (let r0 = 0; r0 < T; r0 += MR) {
      block(packedLT + (<usize>(r0 * T + r0 * MR) << 2), packedB + (<usize>(j0 * T + r0 * NR) << 2), T - r0,
        out + (<usize>(r0 * ld + j0) << 2), ld, min(MR, T - r0), min(NR, n - j0), tile);
    }
  }
}

/**
 * A GPT layer's causal self-attention, every batch row and head, reading Q, K and V in place from the fused
 * projection qkv (B*T rows of [Q | K | V], 3C floats each; head h is columns h*hs .. h*hs + hs of each part).
 * Writes y (B*T x C, the heads side by side) and the softmax weights (B, nHead, T, T), zero above the diagonal.
 * Scratch bytes: packedA 4*roundUp(T,MR)*max(T,hs), packedB 4*roundUp(max(T,hs),NR)*max(T,hs), tile 4*MR*NR.
 */
export function causalAttentionForward(
  qkv: usize, y: usize, weights: usize, B: i32, T: i32, C: i32, nHead: i32, scale: f32, packedA: usize, packedB: usize, tile: usize,
): void {
  causalAttentionForwardHeads(qkv, y, weights, T, C, nHead, scale, 0, B * nHead, packedA, packedB, tile);
}

/** causalAttentionForward for the heads [first, last) of the B * nHead (batch row b, head h at b * nHead + h): threads share them out. */
export function causalAttentionForwardHeads(
  qkv: usize, y: usize, weights: usize, T: i32, C: i32, nHead: i32, scale: f32, first: i32, last: i32, packedA: usize, packedB: usize, tile: usize,
): void {
  const hs = C / nHead, ld = 3 * C;
  for (let item = first; item < last; item++) {
    const b = item / nHead, h = item % nHead;
    for (let t = 0; t < T; t++) memory.fill(y + (<usize>((b * T + t) * C + h * hs) << 2), 0, <usize>hs << 2);
    const q = qkv + (<usize>(b * T * ld + h * hs) << 2), k = q + (<usize>C << 2), v = q + (<usize>(2 * C) << 2);
    const w = weights + (<usize>((b * nHead + h) * T * T) << 2);
    memory.fill(w, 0, <usize>(T * T) << 2);
    packA(q, ld, T, 0, hs, packedA);
    packB(k, 1, ld, 0, hs, T, packedB); // K^T read in place
    lowerProduct(packedA, packedB, hs, w, T, tile); // scores Q K^T
    softmaxRows(w, T, T, 0, T, scale, 1);
    packA(w, T, T, 0, T, packedA);
    packB(v, ld, 1, 0, T, hs, packedB);
    lowerTimes(packedA, packedB, T, hs, y + (<usize>(b * T * C + h * hs) << 2), C, tile); // P V
  }
}

/**
 * The gradient of causalAttentionForward: dqkv (B*T x 3C, written) from dy (B*T x C), with qkv and the weights P
 * of the forward. Per head: dP = dy V^T, dV = P^T dy, dS = P (dP - rowsum(P dP)) scale, dQ = dS K, dK = dS^T Q,
 * skipping the triangles where P and dS are 0. Scratch as for the forward, plus dS 4*T*T bytes.
 */
export function causalAttentionBackward(
  dqkv: usize, dy: usize, qkv: usize, weights: usize, B: i32, T: i32, C: i32, nHead: i32, scale: f32,
  packedA: usize, packedB: usize, dS: usize, tile: usize,
): void {
  causalAttentionBackwardHeads(dqkv, dy, qkv, weights, T, C, nHead, scale, 0, B * nHead, packedA, packedB, dS, tile);
}

/** causalAttentionBackward for the heads [first, last), as causalAttentionForwardHeads. */
export function causalAttentionBackwardHeads(
  dqkv: usize, dy: usize, qkv: usize, weights: usize, T: i32, C: i32, nHead: i32, scale: f32, first: i32, last: i32,
  packedA: usize, packedB: usize, dS: usize, tile: usize,
): void {
  const hs = C / nHead, ld = 3 * C;
  for (let item = first; item < last; item++) {
    const b = item / nHead, h = item % nHead;
    const offset = <usize>(b * T * ld + h * hs) << 2;
    const q = qkv + offset, k = q + (<usize>C << 2), v = q + (<usize>(2 * C) << 2);
    const dq = dqkv + offset, dk = dq + (<usize>C << 2), dv = dq + (<usize>(2 * C) << 2);
    for (let t = 0; t < T; t++) memory.fill(dq + (<usize>(t * ld) << 2), 0, <usize>hs << 2); // the head's columns of Q, K, V
    for (let t = 0; t < T; t++) memory.fill(dk + (<usize>(t * ld) << 2), 0, <usize>hs << 2);
    for (let t = 0; t < T; t++) memory.fill(dv + (<usize>(t * ld) << 2), 0, <usize>hs << 2);
    const dyh = dy + (<usize>(b * T * C + h * hs) << 2);
    const w = weights + (<usize>((b * nHead + h) * T * T) << 2);
    memory.fill(dS, 0, <usize>(T * T) << 2);
    packA(dyh, C, T, 0, hs, packedA);
    packB(v, 1, ld, 0, hs, T, packedB);
    lowerProduct(packedA, packedB, hs, dS, T, tile); // dP = dy V^T
    packAStrided(w, 1, T, T, 0, T, packedA);
    packB(dyh, C, 1, 0, T, hs, packedB);
    lowerTransposedTimes(packedA, packedB, T, hs, dv, ld, tile); // dV = P^T dy
    for (let t = 0; t < T; t++) { // dS, in place of dP
      const pRow = w + (<usize>(t * T) << 2), dRow = dS + (<usize>(t * T) << 2);
      let dot: f32 = 0;
      for (let s = 0; s <= t; s++) dot += load<f32>(pRow + (<usize>s << 2)) * load<f32>(dRow + (<usize>s << 2));
      for (let s = 0; s <= t; s++) {
        const at = dRow + (<usize>s << 2);
        store<f32>(at, load<f32>(pRow + (<usize>s << 2)) * (load<f32>(at) - dot) * scale);
      }
      memory.fill(dRow + (<usize>(t + 1) << 2), 0, <usize>(T - t - 1) << 2); // the part of blocks past the diagonal
    }
    packA(dS, T, T, 0, T, packedA);
    packB(k, ld, 1, 0, T, hs, packedB);
    lowerTimes(packedA, packedB, T, hs, dq, ld, tile); // dQ = dS K
    packAStrided(dS, 1, T, T, 0, T, packedA);
    packB(q, ld, 1, 0, T, hs, packedB);
    lowerTransposedTimes(packedA, packedB, T, hs, dk, ld, tile); // dK = dS^T Q
  }
}

// @ts-ignore: AssemblyScript decorator
@inline
function sumOf(start: usize, n: i32): f32 {
  const vectorEnd = start + (<usize>(n & ~3) << 2), end = start + (<usize>n << 2);
  let sum4 = f32x4.splat(0);
  for (let x = start; x < vectorEnd; x += 16) sum4 = f32x4.add(sum4, v128.load(x));
  let sum = sumOfLanes(sum4);
  for (let x = vectorEnd; x < end; x += 4) sum += load<f32>(x);
  return sum;
}

/**
 * LayerNorm of N rows of C floats: out = (x - mean) rstd weight + bias (bias 0: none), rstd = 1 / sqrt(var + eps)
 * with the biased variance; keeps mean and rstd (N each) for backward. out may not be inp.
 */
export function layerNormForward(inp: usize, weight: usize, bias: usize, out: usize, mean: usize, rstd: usize, N: i32, C: i32, eps: f32): void {
  const vectorC = C & ~3;
  for (let i = 0; i < N; i++) {
    const x = inp + (<usize>(i * C) << 2), y = out + (<usize>(i * C) << 2);
    const m = sumOf(x, C) / <f32>C;
    const m4 = f32x4.splat(m);
    let squares4 = f32x4.splat(0);
    for (let c = 0; c < vectorC; c += 4) {
      const d = f32x4.sub(v128.load(x + (<usize>c << 2)), m4);
      squares4 = f32x4.add(squares4, f32x4.mul(d, d));
    }
    let squares = sumOfLanes(squares4);
    for (let c = vectorC; c < C; c++) {
      const d = load<f32>(x + (<usize>c << 2)) - m;
      squares += d * d;
    }
    const s = <f32>1 / Mathf.sqrt(squares / <f32>C + eps);
    const s4 = f32x4.splat(s);
    for (let c = 0; c < vectorC; c += 4) {
      const at = <usize>c << 2;
      let v = f32x4.mul(f32x4.mul(f32x4.sub(v128.load(x + at), m4), s4), v128.load(weight + at));
      if (bias) v = f32x4.add(v, v128.load(bias + at));
      v128.store(y + at, v);
    }
    for (let c = vectorC; c < C; c++) {
      const at = <usize>c << 2;
      store<f32>(y + at, (load<f32>(x + at) - m) * s * load<f32>(weight + at) + (bias ? load<f32>(bias + at) : 0));
    }
    store<f32>(mean + (<usize>i << 2), m);
    store<f32>(rstd + (<usize>i << 2), s);
  }
}

/**
 * LayerNorm's gradient: with n = (x - mean) rstd and g = dout weight, dinp = rstd (g - mean(g) - n mean(g n)), written;
 * dweight += dout n and dbias += dout (bias 0: none), summed over the N rows.
 */
export function layerNormBackward(
  dinp: usize, dweight: usize, dbias: usize, dout: usize, inp: usize, weight: usize, mean: usize, rstd: usize, N: i32, C: i32,
): void {
  layerNormBackwardRows(dinp, dout, inp, weight, mean, rstd, N, C);
  layerNormBackwardColumns(dweight, dbias, dout, inp, mean, rstd, N, C, 0, C);
}

/** dinp of layerNormBackward for N rows (threads share rows out by moving the pointers). */
export function layerNormBackwardRows(dinp: usize, dout: usize, inp: usize, weight: usize, mean: usize, rstd: usize, N: i32, C: i32): void {
  const vectorC = C & ~3;
  for (let i = 0; i < N; i++) {
    const row = <usize>(i * C) << 2;
    const m = load<f32>(mean + (<usize>i << 2)), s = load<f32>(rstd + (<usize>i << 2));
    const m4 = f32x4.splat(m), s4 = f32x4.splat(s);
    let g4 = f32x4.splat(0), gn4 = f32x4.splat(0);
    for (let c = 0; c < vectorC; c += 4) {
      const at = <usize>c << 2;
      const n = f32x4.mul(f32x4.sub(v128.load(inp + row + at), m4), s4);
      const g = f32x4.mul(v128.load(dout + row + at), v128.load(weight + at));
      g4 = f32x4.add(g4, g);
      gn4 = f32x4.add(gn4, f32x4.mul(g, n));
    }
    let sumG = sumOfLanes(g4), sumGN = sumOfLanes(gn4);
    for (let c = vectorC; c < C; c++) {
      const at = <usize>c << 2;
      const n = (load<f32>(inp + row + at) - m) * s, g = load<f32>(dout + row + at) * load<f32>(weight + at);
      sumG += g;
      sumGN += g * n;
    }
    const meanG = f32x4.splat(sumG / <f32>C), meanGN = f32x4.splat(sumGN / <f32>C);
    for (let c = 0; c < vectorC; c += 4) {
      const at = <usize>c << 2;
      const n = f32x4.mul(f32x4.sub(v128.load(inp + row + at), m4), s4);
      const g = f32x4.mul(v128.load(dout + row + at), v128.load(weight + at));
      v128.store(dinp + row + at, f32x4.mul(s4, f32x4.sub(f32x4.sub(g, meanG), f32x4.mul(n, meanGN))));
    }
    for (let c = vectorC; c < C; c++) {
      const at = <usize>c << 2;
      const n = (load<f32>(inp + row + at) - m) * s, d = load<f32>(dout + row + at);
      store<f32>(dinp + row + at, s * (d * load<f32>(weight + at) - sumG / <f32>C - n * (sumGN / <f32>C)));
    }
  }
}

/**
 * dweight and dbias of layerNormBackward for the columns [c0, c1) (c0 a multiple of 4), each summed over the rows
 * in order: threads share the columns out, so each sum keeps the order of one thread.
 */
export function layerNormBackwardColumns(dweight: usize, dbias: usize, dout: usize, inp: usize, mean: usize, rstd: usize, N: i32, C: i32, c0: i32, c1: i32): void {
  const vectorEnd = min(c1, C & ~3);
  for (let c = c0; c < vectorEnd; c += 4) {
    const at = <usize>c << 2;
    let dw = v128.load(dweight + at), db = dbias ? v128.load(dbias + at) : f32x4.splat(0);
    for (let i = 0; i < N; i++) {
      const row = <usize>(i * C) << 2;
      const n = f32x4.mul(f32x4.sub(v128.load(inp + row + at), f32x4.splat(load<f32>(mean + (<usize>i << 2)))), f32x4.splat(load<f32>(rstd + (<usize>i << 2))));
      const d = v128.load(dout + row + at);
      dw = f32x4.add(dw, f32x4.mul(d, n));
      db = f32x4.add(db, d);
    }
    v128.store(dweight + at, dw);
    if (dbias) v128.store(dbias + at, db);
  }
  for (let c = max(c0, vectorEnd); c < c1; c++) {
    const at = <usize>c << 2;
    let dw = load<f32>(dweight + at), db = dbias ? load<f32>(dbias + at) : 0;
    for (let i = 0; i < N; i++) {
      const row = <usize>(i * C) << 2;
      const n = (load<f32>(inp + row + at) - load<f32>(mean + (<usize>i << 2))) * load<f32>(rstd + (<usize>i << 2)), d = load<f32>(dout + row + at);
      dw += d * n;
      db += d;
    }
    store<f32>(dweight + at, dw);
    if (dbias) store<f32>(dbias + at, db);
  }
}

/** GELU's gradient on n floats (four at a time, as geluForward): dinp = dout (0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)). */
export function geluBackward(dinp: usize, dout: usize, inp: usize, tanhU: usize, n: i32): void {
  const end = inp + (<usize>n << 2);
  const half = f32x4.splat(0.5), one = f32x4.splat(1), cubic3 = f32x4.splat(3 * 0.044715), scale = f32x4.splat(0.7978845608028654);
  for (; inp < end; inp += 16, tanhU += 16, dout += 16, dinp += 16) {
    const x = v128.load(inp), t = v128.load(tanhU);
    const du = f32x4.mul(scale, f32x4.add(one, f32x4.mul(cubic3, f32x4.mul(x, x))));
    const local = f32x4.add(f32x4.mul(half, f32x4.add(one, t)), f32x4.mul(f32x4.mul(f32x4.mul(half, x), f32x4.sub(one, f32x4.mul(t, t))), du));
    v128.store(dinp, f32x4.mul(v128.load(dout), local));
  }
}

// One AdamW update of the float at data, grad, m, v (four floats at a time), as lib/gpt/training/adamw.ts.
// @ts-ignore: AssemblyScript decorator
@inline
function adamW4(data: usize, grad: usize, m: usize, v: usize, decay4: v128, beta14: v128, beta24: v128, oneMinusBeta1: v128, oneMinusBeta2: v128, stepSize4: v128, correction24: v128, eps4: v128): void {
  const g = v128.load(grad);
  const m1 = f32x4.add(f32x4.mul(v128.load(m), beta14), f32x4.mul(g, oneMinusBeta1));
  const v1 = f32x4.add(f32x4.mul(v128.load(v), beta24), f32x4.mul(f32x4.mul(oneMinusBeta2, g), g));
  const denominator = f32x4.add(f32x4.div(f32x4.sqrt(v1), correction24), eps4);
  v128.store(data, f32x4.sub(f32x4.mul(v128.load(data), decay4), f32x4.div(f32x4.mul(stepSize4, m1), denominator)));
  v128.store(m, m1);
  v128.store(v, v1);
}

/**
 * One AdamW update of n floats (four at a time, as geluForward), as lib/gpt/training/adamw.ts: data *= decay;
 * m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2; data -= stepSize m / (sqrt(v) / correction2 + eps).
 */
export function adamW(data: usize, grad: usize, m: usize, v: usize, n: i32, decay: f32, beta1: f32, beta2: f32, stepSize: f32, correction2: f32, eps: f32): void {
  const end = data + (<usize>n << 2);
  const decay4 = f32x4.splat(decay), beta14 = f32x4.splat(beta1), beta24 = f32x4.splat(beta2);
  const oneMinusBeta1 = f32x4.splat(1 - beta1), oneMinusBeta2 = f32x4.splat(1 - beta2);
  const stepSize4 = f32x4.splat(stepSize), correction24 = f32x4.splat(correction2), eps4 = f32x4.splat(eps);
  for (; data < end; data += 16, grad += 16, m += 16, v += 16) {
    adamW4(data, grad, m, v, decay4, beta14, beta24, oneMinusBeta1, oneMinusBeta2, stepSize4, correction24, eps4);
  }
}

/**
 * AdamW on every tensor of a model in one pass: data, grad, m and v are four regions of one layout, and the table
 * holds per tensor its byte offset in a region, its float count (tensors start 16 bytes apart, padded) and its decay.
 */
export function adamWTensors(
  data: usize, grad: usize, m: usize, v: usize, table: usize, count: i32, beta1: f32, beta2: f32, stepSize: f32, correction2: f32, eps: f32,
): void {
  adamWRange(data, grad, m, v, table, count, beta1, beta2, stepSize, correction2, eps, 0, i32.MAX_VALUE);
}

/** adamWTensors on the floats [first, last) of the regions only (multiples of 4): threads share them out. */
export function adamWRange(
  data: usize, grad: usize, m: usize, v: usize, table: usize, count: i32, beta1: f32, beta2: f32, stepSize: f32, correction2: f32, eps: f32,
  first: i32, last: i32,
): void {
  const beta14 = f32x4.splat(beta1), beta24 = f32x4.splat(beta2);
  const oneMinusBeta1 = f32x4.splat(1 - beta1), oneMinusBeta2 = f32x4.splat(1 - beta2);
  const stepSize4 = f32x4.splat(stepSize), correction24 = f32x4.splat(correction2), eps4 = f32x4.splat(eps);
  for (let i = 0; i < count; i++) {
    const entry = table + (<usize>(3 * i) << 2);
    const offset = load<i32>(entry) >> 2, padded = (load<i32>(entry, 4) + 3) & ~3; // in floats
    const start = <usize>max(offset, first) << 2, end = <usize>min(offset + padded, last) << 2;
    const decay4 = f32x4.splat(load<f32>(entry, 8));
    for (let at = start; at < end; at += 16) {
      adamW4(data + at, grad + at, m + at, v + at, decay4, beta14, beta24, oneMinusBeta1, oneMinusBeta2, stepSize4, correction24, eps4);
    }
  }
}
