// Seeded random numbers that reproduce PyTorch's CPU generator, so torch.manual_seed(s) numbers appear here too.
import { emptyMatrix, checkResult, type DType, type Matrix } from "./matrix.js";
import { checkOptions, describe, type CustomKind } from "./options.js";

const N = 624;
const M = 397;
const TWO_POW_24 = 16777216;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** PyTorch's default seed when nothing calls torch.manual_seed (its low 32 bits seed the state). */
export const DEFAULT_SEED = 67280421310721;

function checkSeed(op: string, seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
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
    return this;
  }

  /** The seed the sequence started from, like torch.Generator.initial_seed. */
  get initialSeed(): number {
    return this.seed;
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

/** The Generator kind for checkOptions: `generator: new Generator(42)`. */
export const GENERATOR_KIND: CustomKind = { test: (value) => value instanceof Generator, text: "a Generator, e.g. new Generator(42)" };

/** The option `generator`, and a hint for `seed`, which no function takes. */
export const GENERATOR_OPTION = { generator: GENERATOR_KIND } as const;
export const SEED_HINT = { hints: { seed: "for a seed, pass generator: new Generator(seed)" } } as const;

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
