// Seeded random numbers that reproduce PyTorch's CPU generator, so torch.manual_seed(s) numbers appear here too.
import { Matrix, type DType } from "./matrix.js";

const N = 624;
const M = 397;
const TWO_POW_24 = 16777216;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** PyTorch's default seed when nothing calls torch.manual_seed (its low 32 bits seed the state). */
export const DEFAULT_SEED = 67280421310721;

function checkSeed(op: string, seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${op}: seed ${seed} must be an integer in [0, 2^53)`);
  }
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
    const f = Math.fround;
    const lo = f(from);
    return f(f(this.nextFloat32() * f(f(to) - lo)) + lo);
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
  return defaultGenerator.manualSeed(seed);
}

export interface RandomOptions {
  /** Where the numbers come from; the shared default generator unless given. */
  generator?: Generator;
  /** float32 by default, as PyTorch's default tensors (the values are float32 numbers either way). */
  dtype?: DType;
}

/** A rows x cols matrix uniform in [from, to), like torch.empty(rows, cols).uniform_(from, to): filled row by row. */
export function uniform(rows: number, cols: number, from: number, to: number, options: RandomOptions = {}): Matrix {
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) {
    throw new RangeError(`uniform: bounds [${from}, ${to}) must be finite with from <= to`);
  }
  const { generator = defaultGenerator, dtype = "float32" } = options;
  const m = Matrix.zeros(rows, cols, { dtype });
  for (let k = 0; k < m.data.length; k++) m.data[k] = generator.uniform(from, to);
  return m;
}

/** A rows x cols matrix uniform in [0, 1), like torch.rand(rows, cols): filled row by row. */
export function rand(rows: number, cols: number, options: RandomOptions = {}): Matrix {
  return uniform(rows, cols, 0, 1, options);
}
