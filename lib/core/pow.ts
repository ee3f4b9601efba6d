// x ** y to the same last bit on every JavaScript engine, for the few places where that bit reaches an output.
// Node 24's V8 hands Math.pow and ** to the C library (its --use-std-math-pow, on by default), while Node 20 and 22 use
// V8's own pow, from fdlibm: the two differ in the last bit for a few arguments in a hundred. AdamW's bias corrections
// (beta ** step) differ from step 4 on, and a seeded float64 training run then differs in every later loss (float32
// rounds the difference away, almost always). This is fdlibm's pow as V8 adapted it (base::ieee754::legacy::pow), so
// it returns what Node 20 and 22 return, in double arithmetic that IEEE 754 rounds the same everywhere.
//
// The algorithm and its constants are fdlibm's e_pow.c:
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
// Developed at SunSoft, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this software is freely granted, provided that this notice is preserved.

const words = new DataView(new ArrayBuffer(8));

/** The sign, exponent and top 20 bits of the fraction of x, as a signed 32-bit integer. */
function highWord(x: number): number {
  words.setFloat64(0, x);
  return words.getInt32(0);
}

/** The low 32 bits of x's fraction, unsigned. */
function lowWord(x: number): number {
  words.setFloat64(0, x);
  return words.getUint32(4);
}

function fromWords(high: number, low: number): number {
  words.setInt32(0, high | 0);
  words.setUint32(4, low >>> 0);
  return words.getFloat64(0);
}

/** x with the low 32 bits of its fraction cleared: a "high part" whose products with short numbers are exact. */
const highPart = (x: number): number => fromWords(highWord(x), 0);

const two53 = 9007199254740992;
const huge = 1e300;
const tiny = 1e-300;
// log2(1.5) in two parts, for the interval around 1.5.
const dpHigh = [0, 5.84962487220764160156e-1];
const dpLow = [0, 1.35003920212974897128e-8];
const bp = [1, 1.5];
// (3/2) (log(x) - 2s - 2/3 s^3) as a polynomial in s^2.
const L1 = 5.99999999999994648725e-1;
const L2 = 4.28571428578550184252e-1;
const L3 = 3.33333329818377432918e-1;
const L4 = 2.72728123808534006489e-1;
const L5 = 2.30660745775561754067e-1;
const L6 = 2.06975017800338417784e-1;
// exp's polynomial.
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;
const ln2 = 6.93147180559945286227e-1;
const ln2High = 6.93147182464599609375e-1;
const ln2Low = -1.90465429995776804525e-9;
const overflowTail = 8.0085662595372944372e-17; // -(1024 - log2(largest double + half an ulp))
const cp = 9.61796693925975554329e-1; // 2 / (3 ln 2)
const cpHigh = 9.61796700954437255859e-1;
const cpLow = -7.02846165095275826516e-9;
const invLn2 = 1.44269504088896338700;
const invLn2High = 1.44269502162933349609;
const invLn2Low = 1.92596299112661746887e-8;

/** z 2^n for a result below the smallest normal double: one rounding, as fdlibm's scalbn. */
function scaleToSubnormal(z: number, n: number): number {
  if (n + 54 < -1022) return 0;
  return z * fromWords((n + 54 + 1023) << 20, 0) * fromWords((1023 - 54) << 20, 0);
}

/** log2(|x|) as t1 + t2, t1 with its low word cleared, for |x| within 2^-20 of 1 and |y| above 2^31. */
function log2NearOne(ax: number): [number, number] {
  const t = ax - 1;
  const w = t * t * (0.5 - t * (0.3333333333333333333333 - t * 0.25));
  const u = invLn2High * t;
  const v = t * invLn2Low - w * invLn2;
  const t1 = highPart(u + v);
  return [t1, v - (t1 - u)];
}

/** log2(|x|) as t1 + t2, t1 with its low word cleared, for any finite nonzero x. */
function log2Split(ax: number): [number, number] {
  let ix = highWord(ax);
  let n = 0;
  if (ix < 0x00100000) {
    ax *= two53; // subnormal
    n -= 53;
    ix = highWord(ax);
  }
  n += (ix >> 20) - 0x3ff;
  const j = ix & 0x000fffff;
  ix = j | 0x3ff00000;
  let k = 0;
  if (j <= 0x3988e) k = 0; // below sqrt(3/2)
  else if (j < 0xbb67a) k = 1; // below sqrt(3)
  else {
    n += 1;
    ix -= 0x00100000;
  }
  ax = fromWords(ix, lowWord(ax));
  // ss = (x - 1) / (x + 1) or (x - 1.5) / (x + 1.5), as sHigh + sLow.
  const u = ax - bp[k];
  const v = 1 / (ax + bp[k]);
  const ss = u * v;
  const sHigh = highPart(ss);
  let tHigh = fromWords(((ix >> 1) | 0x20000000) + 0x00080000 + (k << 18), 0);
  const tLow = ax - (tHigh - bp[k]);
  const sLow = v * (u - sHigh * tHigh - sHigh * tLow);
  let s2 = ss * ss;
  let r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))));
  r += sLow * (sHigh + ss);
  s2 = sHigh * sHigh;
  tHigh = highPart(3 + s2 + r);
  const tLow2 = r - (tHigh - 3 - s2);
  const uu = sHigh * tHigh;
  const vv = sLow * tHigh + tLow2 * ss;
  const pHigh = highPart(uu + vv);
  const pLow = vv - (pHigh - uu);
  const zHigh = cpHigh * pHigh;
  const zLow = cpLow * pHigh + pLow * cp + dpLow[k];
  const t = n;
  const t1 = highPart(zHigh + zLow + dpHigh[k] + t);
  return [t1, zLow - (t1 - t - dpHigh[k] - zHigh)];
}

/** Whether y, a finite double, is an odd integer (1), an even integer (2) or not an integer (0). */
function integerKind(y: number): 0 | 1 | 2 {
  if (!Number.isInteger(y)) return 0;
  return Math.abs(y) < two53 && Math.abs(y % 2) === 1 ? 1 : 2;
}

/**
 * x ** y as Node 20 and 22 compute it, on any engine. Cases whose result ECMAScript fixes exactly (a zero, an infinity
 * or a NaN among the arguments) are left to Math.pow.
 */
export function portablePow(x: number, y: number): number {
  if (typeof x !== "number" || typeof y !== "number") throw new TypeError(`portablePow: expected two numbers, got ${typeof x} and ${typeof y}`);
  if (!Number.isFinite(x) || !Number.isFinite(y) || x === 0 || y === 0) return Math.pow(x, y);
  if (y === 1) return x;
  if (y === -1) return 1 / x;
  if (y === 2) return x * x;
  if (y === 0.5 && x > 0) return Math.sqrt(x);
  const kind = x < 0 ? integerKind(y) : 2;
  if (kind === 0) return NaN; // a negative number to a non-integer power
  const ax = Math.abs(x);
  if (ax === 1) return kind === 1 ? -1 : 1;
  const sign = kind === 1 ? -1 : 1;
  const ix = highWord(ax);
  const iy = highWord(y) & 0x7fffffff;
  let t1: number;
  let t2: number;
  if (iy > 0x41e00000) {
    // |y| above 2^31: the result over- or underflows unless |x| is within 2^-20 of 1.
    if (iy > 0x43f00000) {
      if (ix <= 0x3fefffff) return y < 0 ? huge * huge : tiny * tiny;
      if (ix >= 0x3ff00000) return y > 0 ? huge * huge : tiny * tiny;
    }
    if (ix < 0x3fefffff) return y < 0 ? sign * huge * huge : sign * tiny * tiny;
    if (ix > 0x3ff00000) return y > 0 ? sign * huge * huge : sign * tiny * tiny;
    [t1, t2] = log2NearOne(ax);
  } else {
    [t1, t2] = log2Split(ax);
  }
  // y log2(x) = pHigh + pLow, with y split into a high part and the rest.
  const y1 = highPart(y);
  const pLow = (y - y1) * t1 + y * t2;
  let pHigh = y1 * t1;
  let z = pLow + pHigh;
  let j = highWord(z);
  const i = lowWord(z);
  if (j >= 0x40900000) {
    // z >= 1024
    if (((j - 0x40900000) | i) !== 0 || pLow + overflowTail > z - pHigh) return sign * huge * huge;
  } else if ((j & 0x7fffffff) >= 0x4090cc00) {
    // z <= -1075
    if (((j - 0xc090cc00) | i) !== 0 || pLow <= z - pHigh) return sign * tiny * tiny;
  }
  // 2^z = 2^n 2^(z - n), n the integer nearest z.
  const iz = j & 0x7fffffff;
  let k = (iz >> 20) - 0x3ff;
  let n = 0;
  if (iz > 0x3fe00000) {
    n = j + (0x00100000 >> (k + 1));
    k = ((n & 0x7fffffff) >> 20) - 0x3ff;
    const whole = fromWords(n & ~(0x000fffff >> k), 0);
    n = ((n & 0x000fffff) | 0x00100000) >> (20 - k);
    if (j < 0) n = -n;
    pHigh -= whole;
  }
  let t = highPart(pLow + pHigh);
  const u = t * ln2High;
  const v = (pLow - (t - pHigh)) * ln2 + t * ln2Low;
  z = u + v;
  const w = v - (z - u);
  t = z * z;
  const tt = z - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const r = (z * tt) / (tt - 2 - (w + z * w));
  z = 1 - (r - z);
  j = highWord(z) + (n << 20);
  z = j >> 20 <= 0 ? scaleToSubnormal(z, n) : fromWords(j, lowWord(z));
  return sign * z;
}
