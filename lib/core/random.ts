// Seeded random numbers that reproduce PyTorch's CPU generator, so torch.manual_seed(s) numbers appear here too.
import { emptyMatrix, checkResult, type DType, type Matrix } from "./matrix.js";
import { checkOptions, describe, type CustomKind } from "./options.js";

const N = 624;
const M = 397;
const TWO_POW_24 = 16777216;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

// Seeds, one rule and one default. A function that draws once (rand, randn, dropout, linearLayer, sampleToken, ...)
// takes a `generator`, by default the shared defaultGenerator (GPT.forward's dropout: the model's own, seeded by
// GPT.create); a function that runs a whole seeded procedure (GPT.create, train, estimateLoss, generate,
// prepareFineTune) takes a `seed` and seeds its own Generator, so that its options alone reproduce it (generate
// also takes a generator instead, to continue a sequence). Each refuses the other's option, saying what to pass.
// Every default seed is DEFAULT_SEED.

/**
 * The one default seed, nanoGPT's torch.manual_seed(1337): of new Generator(), the shared defaultGenerator and
 * every `seed` option. (PyTorch's unseeded default is 67280421310721: torch.rand without a manual_seed differs.)
 */
export const DEFAULT_SEED = 1337;

const isSeed = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function checkSeed(op: string, seed: number): void {
  if (!isSeed(seed)) {
    const got = typeof seed === "number" ? String(seed) : describe(seed);
    throw new RangeError(`${op}: seed must be a whole number in [0, 2^53), got ${got}`);
  }
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** from, to and to - from as PyTorch's float32 uniform_ uses them: an error for bounds float32 cannot hold. */
function float32Bounds(op: string, from: number, to: number): { lo: number; span: number } {
  if (typeof from !== "number" || typeof to !== "number" || !Number.isFinite(from) || !Number.isFinite(to) || from > to) {
    const show = (n: unknown) => (typeof n === "number" ? String(n) : describe(n));
    throw new RangeError(`${op}: bounds [${show(from)}, ${show(to)}) must be finite with from <= to`);
  }
  const f = Math.fround;
  const [lo, hi] = [f(from), f(to)];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new RangeError(`${op}: bounds [${from}, ${to}) overflow float32, whose largest value is ${FLOAT32_MAX}`);
  }
  const span = f(hi - lo);
  if (!Number.isFinite(span)) throw new RangeError(`${op}: the width to - from = ${hi - lo} of [${from}, ${to}) overflows float32`);
  return { lo, span };
}

/** One draw of uniform_ once the bounds are checked: x * (to - from) + from in float32, rounding each step. */
function drawUniform(g: Generator, lo: number, span: number): number {
  const f = Math.fround;
  return f(f(g.nextFloat32() * span) + lo);
}

/** A Generator's place in its sequence: MT19937's 624 words, the next word's index, a kept normal draw. */
export interface GeneratorState {
  seed: number;
  index: number;
  state: ArrayLike<number>;
  cachedNormal: number | null;
}

/**
 * The Mersenne Twister MT19937 behind torch.Generator on CPU.
 *
 * Seeding is the standard 32-bit initialisation: state[0] = seed mod 2^32,
 * state[i] = 1812433253 * (state[i-1] xor (state[i-1] >>> 30)) + i, all mod 2^32.
 * Check: seed 5489 gives 3499211612 as its first output.
 * The draws built on it are PyTorch's:
 * - nextFloat32: (u32 & 0xFFFFFF) / 2^24, one draw (torch.rand on float32);
 * - nextDouble: ((first & 0x1FFFFF) * 2^32 + second) / 2^53, two draws, the first gives the high bits
 *   (PyTorch's random64() masked to 53 bits: what bernoulli_, hence dropout, compares with p).
 */
export class Generator {
  private readonly state = new Uint32Array(N);
  private index = N;
  private seed = 0;
  // The second Box-Muller sample of the last scalar normal draw, kept for the next one (as PyTorch's generator does).
  private cachedNormal: number | null = null;

  constructor(seed: number = DEFAULT_SEED) {
    checkSeed("Generator", seed);
    this.manualSeed(seed);
  }

  /** Restarts the sequence from a seed, like torch.Generator.manual_seed. */
  manualSeed(seed: number): this {
    checkSeed("Generator.manualSeed", seed);
    this.seed = seed;
    const s = this.state;
    s[0] = seed % TWO_POW_32;
    for (let i = 1; i < N; i++) s[i] = Math.imul(1812433253, s[i - 1] ^ (s[i - 1] >>> 30)) + i;
    this.index = N;
    this.cachedNormal = null;
    return this;
  }

  /** The seed the sequence started from, like torch.Generator.initial_seed. */
  get initialSeed(): number {
    return this.seed;
  }

  /** Where the sequence is, to continue it later exactly (as torch.Generator.get_state): a copy. */
  getState(): GeneratorState {
    return { seed: this.seed, index: this.index, state: Uint32Array.from(this.state), cachedNormal: this.cachedNormal };
  }

  /** Continues the sequence from a getState() (as torch.Generator.set_state). */
  setState(state: GeneratorState): this {
    const fn = "Generator.setState";
    if (typeof state !== "object" || state === null) throw new TypeError(`${fn}: expected a state from getState(), got ${describe(state)}`);
    const { seed, index, state: words, cachedNormal } = state;
    checkSeed(fn, seed);
    if (!Number.isInteger(index) || index < 0 || index > N) throw new RangeError(`${fn}: index ${index} must be an integer in [0, ${N}]`);
    if (words?.length !== N || !Array.from(words).every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new RangeError(`${fn}: state must be ${N} integers in [0, 2^32)`);
    }
    if (cachedNormal !== null && !Number.isFinite(cachedNormal)) throw new RangeError(`${fn}: cachedNormal ${cachedNormal} must be a finite number or null`);
    this.seed = seed;
    this.state.set(words);
    this.index = index;
    this.cachedNormal = cachedNormal;
    return this;
  }

  /** The next 32-bit output, an integer in [0, 2^32). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A float32 in [0, 1) from the low 24 bits of one draw. */
  nextFloat32(): number {
    return (this.nextUint32() & 0xffffff) / TWO_POW_24;
  }

  /** A double in [0, 1) from 53 bits of two draws. */
  nextDouble(): number {
    const high = this.nextUint32() & 0x1fffff;
    const low = this.nextUint32();
    return (high * TWO_POW_32 + low) / TWO_POW_53;
  }

  /**
   * One standard normal double as PyTorch's scalar path draws it (at::normal_distribution<double>, used by
   * torch.randn for fewer than 16 values): Box-Muller on two nextDouble() u1, u2, radius sqrt(-2 log(1 - u2)),
   * angle 2 pi u1; returns r cos, and keeps r sin for the next call.
   */
  nextNormal(): number {
    if (this.cachedNormal !== null) {
      const cached = this.cachedNormal;
      this.cachedNormal = null;
      return cached;
    }
    const u1 = this.nextDouble();
    const u2 = this.nextDouble();
    const radius = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = radius * Math.sin(theta);
    return radius * Math.cos(theta);
  }

  /**
   * One value of Tensor.uniform_(from, to) on float32, in PyTorch's float32 arithmetic:
   * from and to rounded to float32, then x * (to - from) + from with x = nextFloat32(), rounding each step.
   */
  uniform(from: number, to: number): number {
    const { lo, span } = float32Bounds("Generator.uniform", from, to);
    return drawUniform(this, lo, span);
  }

  // Regenerates all 624 words of state at once, as the reference algorithm does.
  private twist(): void {
    const s = this.state;
    for (let i = 0; i < N; i++) {
      const y = (s[i] & 0x80000000) | (s[(i + 1) % N] & 0x7fffffff);
      s[i] = s[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}

/** The generator every draw uses unless given another, like PyTorch's default CPU generator. */
export const defaultGenerator = new Generator();

/** Reseeds the default generator, like torch.manual_seed(seed); returns it. */
export function manualSeed(seed: number): Generator {
  checkSeed("manualSeed", seed);
  return defaultGenerator.manualSeed(seed);
}

/** A value as a seed in a hint: itself if it can be one (a Generator: its seed), else DEFAULT_SEED. */
function seedExample(value: unknown): number {
  if (value instanceof Generator) return value.initialSeed;
  return isSeed(value) ? value : DEFAULT_SEED;
}

/** The Generator kind for checkOptions: `generator: new Generator(1337)`; a seed given instead is answered with its Generator. */
export const GENERATOR_KIND: CustomKind = {
  test: (value) => value instanceof Generator,
  text: `a Generator, e.g. new Generator(${DEFAULT_SEED})`,
  hint: (value) => (isSeed(value) ? `for seed ${value}, pass new Generator(${value})` : undefined),
};

/** A generator given as an argument: an error naming fn and what came instead (options use GENERATOR_KIND). */
export function checkGenerator(fn: string, value: unknown): asserts value is Generator {
  if (!GENERATOR_KIND.test(value)) {
    const hint = GENERATOR_KIND.hint?.(value);
    throw new TypeError(`${fn}: generator must be ${GENERATOR_KIND.text}, got ${describe(value)}${hint === undefined ? "" : `: ${hint}`}`);
  }
}

/** The option `generator` of a function that draws once, and the hint for `seed`, which such a function refuses. */
export const GENERATOR_OPTION = { generator: GENERATOR_KIND } as const;
export const SEED_HINT = { hints: { seed: (seed: unknown) => `a draw takes a generator: pass { generator: new Generator(${seedExample(seed)}) }` } } as const;

/** The option `seed` of a whole seeded procedure, and the hint for `generator`, which such a procedure refuses. */
export const SEED_RULE = { kind: "integer", min: 0 } as const;
export const GENERATOR_HINT = {
  hints: { generator: (generator: unknown) => `a seeded procedure makes its own Generator: pass { seed: ${seedExample(generator)} }` },
} as const;

const RANDOM_OPTIONS = { ...GENERATOR_OPTION, dtype: ["float64", "float32"] } as const;

/** uniform for op: a rows x cols matrix drawn row by row, bounds checked for float32. */
export function uniformMatrix(op: string, rows: number, cols: number, from: number, to: number, generator: Generator = defaultGenerator, dtype: DType = "float32"): Matrix {
  const { lo, span } = float32Bounds(op, from, to);
  const m = emptyMatrix(op, rows, cols, dtype);
  for (let k = 0; k < m.data.length; k++) m.data[k] = drawUniform(generator, lo, span);
  return checkResult(op, "a draw", m);
}

export interface RandomOptions {
  /** Where the numbers come from; the shared default generator unless given. */
  generator?: Generator;
  /** float32 by default, as PyTorch's default tensors (the values are float32 numbers either way). */
  dtype?: DType;
}

/** A rows x cols matrix uniform in [from, to), like torch.empty(rows, cols).uniform_(from, to): filled row by row. */
export function uniform(rows: number, cols: number, from: number, to: number, options: RandomOptions = {}): Matrix {
  const { generator, dtype } = checkOptions("uniform", options, RANDOM_OPTIONS, SEED_HINT);
  return uniformMatrix("uniform", rows, cols, from, to, generator, dtype);
}

/** A rows x cols matrix uniform in [0, 1), like torch.rand(rows, cols): filled row by row. */
export function rand(rows: number, cols: number, options: RandomOptions = {}): Matrix {
  const { generator, dtype } = checkOptions("rand", options, RANDOM_OPTIONS, SEED_HINT);
  return uniformMatrix("rand", rows, cols, 0, 1, generator, dtype);
}

export interface NormalOptions {
  mean?: number;
  std?: number;
  generator?: Generator;
}

/**
 * Fills data in place like Tensor.normal_(mean, std) on CPU (torch.randn is mean 0, std 1), and returns it.
 * PyTorch has two paths, both reproduced:
 * - 16 values or more: every value first gets a uniform (float32: nextFloat32, float64: nextDouble); then each
 *   block of 16 becomes 16 normals by Box-Muller, the first 8 paired with the last 8; when the length is not a
 *   multiple of 16, the last 16 values are drawn afresh and recomputed. float32 uses PyTorch's AVX2 code, whose
 *   log, sin and cos are polynomials in float32 (avx_mathfun.h, see float32BoxMuller): reproduced bit for bit.
 *   float64 uses the C library's log, sin and cos; JavaScript's Math differs from glibc's in the last bit now and
 *   then (a few values in a hundred, by 1 ulp).
 * - fewer than 16: one Generator.nextNormal() per value, in double, then rounded to the dtype.
 */
export function normalFill<T extends Float32Array | Float64Array>(data: T, options: NormalOptions = {}): T {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new TypeError(`normalFill: data must be a Float32Array or Float64Array, got ${describe(data)}`);
  }
  const { mean = 0, std = 1, generator = defaultGenerator } = checkOptions("normalFill", options, { mean: "number", std: "number", ...GENERATOR_OPTION }, SEED_HINT);
  if (!Number.isFinite(mean) || !(std >= 0) || !Number.isFinite(std)) {
    throw new RangeError(`normalFill: mean ${mean} must be finite and std ${std} finite and >= 0`);
  }
  const n = data.length;
  if (n < 16) {
    for (let i = 0; i < n; i++) data[i] = generator.nextNormal() * std + mean;
    return data;
  }
  const single = data instanceof Float32Array;
  const fill16 = single ? float32BoxMuller : float64BoxMuller;
  for (let i = 0; i < n; i++) data[i] = single ? generator.nextFloat32() : generator.nextDouble();
  for (let i = 0; i + 16 <= n; i += 16) fill16(data, i, mean, std);
  if (n % 16 !== 0) {
    for (let i = n - 16; i < n; i++) data[i] = single ? generator.nextFloat32() : generator.nextDouble();
    fill16(data, n - 16, mean, std);
  }
  return data;
}

/** A rows x cols matrix of standard normals (or normal(mean, std)), like torch.randn(rows, cols): filled row by row. */
export function randn(rows: number, cols: number, options: RandomOptions & { mean?: number; std?: number } = {}): Matrix {
  const spec = { ...RANDOM_OPTIONS, mean: "finite", std: { kind: "finite", min: 0 } } as const;
  const { generator = defaultGenerator, dtype = "float32", mean, std } = checkOptions("randn", options, spec, SEED_HINT);
  const m = emptyMatrix("randn", rows, cols, dtype);
  normalFill(m.data, { generator, mean, std });
  return checkResult("randn", "a draw", m);
}

function float64BoxMuller(d: Float32Array | Float64Array, o: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const radius = Math.sqrt(-2 * Math.log(1 - d[o + j])); // 1 - u is in (0, 1]: log never sees 0
    const theta = 2 * Math.PI * d[o + j + 8];
    d[o + j] = radius * Math.cos(theta) * std + mean;
    d[o + j + 8] = radius * Math.sin(theta) * std + mean;
  }
}

// float32 arithmetic, step by step, as the AVX2 code does it. GCC fuses some multiply-adds (fma32): which ones
// was found by comparing with PyTorch over a million values.
const f = Math.fround;
const float64View = new Float64Array(1);
const int64View = new BigInt64Array(float64View.buffer);
const float32View = new Float32Array(1);
const int32View = new Int32Array(float32View.buffer);

/** a * b + c rounded once to float32, for float32 a, b, c (a fused multiply-add). */
function fma32(a: number, b: number, c: number): number {
  const p = a * b; // exact: two 24-bit significands fit in 53 bits
  const s = p + c;
  const bb = s - p;
  const error = p - (s - bb) + (c - bb); // s + error is exactly p + c
  const r = f(s);
  if (error === 0 || r === s) return r;
  // Rounding s to float32 is wrong only when s lies exactly halfway between r and the next float: then move it
  // one double step toward the error.
  const other = 2 * s - r;
  if (f(other) !== other) return r;
  float64View[0] = s;
  int64View[0] += (s > 0) === (error > 0) ? 1n : -1n;
  return f(float64View[0]);
}

const LOG_P = [7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1].map(f);
const LOG_Q1 = f(-2.1219444e-4), LOG_Q2 = f(0.693359375), SQRT_HALF = f(0.707106781186547524);

/** log of a float32 x in (0, 1], Cephes' logf as avx_mathfun.h's log256_ps evaluates it. */
function log32(x: number): number {
  float32View[0] = Math.max(x, 1.1754943508222875e-38); // no subnormals
  const bits = int32View[0];
  let e = f((bits >>> 23) - 127 + 1);
  int32View[0] = (bits & ~0x7f800000) | 0x3f000000; // the significand, scaled into [0.5, 1)
  let m = float32View[0];
  const below = m < SQRT_HALF;
  const extra = below ? m : 0;
  m = f(m - 1);
  if (below) e = f(e - 1);
  m = f(m + extra);
  const z = f(m * m);
  let y = LOG_P[0];
  for (let i = 1; i < 9; i++) y = fma32(y, m, LOG_P[i]);
  y = f(y * m);
  y = fma32(y, z, f(e * LOG_Q1));
  y = fma32(-z, 0.5, y);
  return fma32(e, LOG_Q2, f(m + y));
}

const DP1 = f(-0.78515625), DP2 = f(-2.4187564849853515625e-4), DP3 = f(-3.77489497744594108e-8);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);
const FOUR_OVER_PI = f(1.27323954473516);
const sinCos = [0, 0];

/** sin and cos of a float32 x >= 0 into sinCos, Cephes' sinf/cosf as avx_mathfun.h's sincos256_ps. */
function sinCos32(x: number): void {
  let j = Math.trunc(f(x * FOUR_OVER_PI));
  j = (j + 1) & ~1; // the octant, rounded up to even
  x = fma32(j, DP1, x);
  x = fma32(j, DP2, x);
  x = fma32(j, DP3, x);
  const z = f(x * x);
  let c = fma32(fma32(COS_P[0], z, COS_P[1]), z, COS_P[2]);
  c = f(fma32(f(c * z), z, -f(z * 0.5)) + 1);
  let s = fma32(fma32(SIN_P[0], z, SIN_P[1]), z, SIN_P[2]);
  s = fma32(f(s * z), x, x);
  const swap = (j & 2) !== 0;
  const sin = swap ? c : s, cos = swap ? s : c;
  sinCos[0] = (j & 4) !== 0 ? -sin : sin;
  sinCos[1] = ((j - 2) & 4) === 0 ? -cos : cos;
}

const TWO_PI_32 = f(2 * Math.PI);

function float32BoxMuller(d: Float32Array | Float64Array, o: number, mean: number, std: number): void {
  const mean32 = f(mean), std32 = f(std);
  for (let j = 0; j < 8; j++) {
    const radius = f(Math.sqrt(f(-2 * log32(f(1 - d[o + j])))));
    sinCos32(f(TWO_PI_32 * d[o + j + 8]));
    d[o + j] = fma32(f(radius * sinCos[1]), std32, mean32);
    d[o + j + 8] = fma32(f(radius * sinCos[0]), std32, mean32);
  }
}
