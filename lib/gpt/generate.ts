// Writing text, as nanoGPT's generate: crop the context to the last blockSize tokens, take the logits of the last
// position, divide by the temperature, keep the top k, softmax, draw one token (or take the most likely), repeat.
// A GPT generates through a KV cache (kvCache.ts) unless told { cache: false }: the same logits, computed once each.
import { checkOptions } from "../core/options.js";
import { Generator } from "../core/random.js";
import { KVCache } from "./kvCache.js";
import { GPT } from "./model.js";
import { CharTokenizer } from "./training/tokenizer.js";

export interface SampleOptions {
  /** Divides the logits: below 1 sharpens the distribution, above 1 flattens it (default 1). Must be > 0. */
  temperature?: number;
  /** Draw only among the k most likely tokens (default: all of them); k larger than the vocabulary means all. */
  topK?: number;
  /** Always take the most likely token: no randomness, no temperature (default false). */
  greedy?: boolean;
  /** Where the draws come from (default: a new Generator(seed)). */
  generator?: Generator;
}

const sampleSpec = {
  temperature: "finite",
  topK: "integer",
  greedy: "boolean",
  generator: "object",
} as const;

function checkSampling(fn: string, options: SampleOptions): void {
  const { temperature, topK, greedy = false } = options;
  if (temperature !== undefined && temperature <= 0) {
    throw new RangeError(`${fn}: temperature ${temperature} must be > 0; for the most likely token every time, use greedy: true`);
  }
  if (topK !== undefined && topK < 1) throw new RangeError(`${fn}: topK ${topK} must be at least 1 (topK 1 is greedy decoding)`);
  if (greedy && (temperature !== undefined || topK !== undefined)) {
    throw new RangeError(`${fn}: greedy decoding takes the most likely token, so temperature and topK would be ignored; drop them or greedy`);
  }
  if (options.generator !== undefined && !(options.generator instanceof Generator)) throw new TypeError(`${fn}: generator must be a Generator`);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * The probabilities sampling draws from: softmax(logits / temperature) over the topK largest logits (ties with the
 * k-th kept, as nanoGPT's `logits[logits < v[:, [-1]]] = -inf`), zero elsewhere. In float64.
 */
export function nextTokenProbabilities(logits: ArrayLike<number>, options: { temperature?: number; topK?: number } = {}): Float64Array {
  const fn = "nextTokenProbabilities";
  const { temperature = 1, topK } = checkOptions(fn, options, { temperature: "finite", topK: "integer" });
  checkSampling(fn, options);
  const n = logits.length;
  if (n === 0) throw new RangeError(`${fn}: no logits`);
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(logits[i])) throw new RangeError(`${fn}: logit ${i} is NaN`);
    scaled[i] = logits[i] / temperature;
  }
  let cutoff = -Infinity;
  if (topK !== undefined && topK < n) cutoff = Float64Array.from(scaled).sort()[n - topK];
  const max = scaled[argmax(scaled)];
  if (!Number.isFinite(max)) throw new RangeError(`${fn}: the largest logit is ${max}; probabilities need a finite one`);
  let total = 0;
  const probs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (scaled[i] >= cutoff) total += probs[i] = Math.exp(scaled[i] - max);
  }
  for (let i = 0; i < n; i++) probs[i] /= total;
  return probs;
}

/**
 * One token drawn from the logits of the next position (or the most likely one when greedy). The draw is one
 * generator.nextDouble() against the cumulative probabilities (not torch.multinomial's stream of numbers).
 */
export function sampleToken(logits: ArrayLike<number>, options: SampleOptions = {}): number {
  const fn = "sampleToken";
  const { greedy = false, generator, temperature, topK } = checkOptions(fn, options, sampleSpec);
  checkSampling(fn, options);
  if (greedy) {
    for (let i = 0; i < logits.length; i++) if (Number.isNaN(logits[i])) throw new RangeError(`${fn}: logit ${i} is NaN`);
    return argmax(logits);
  }
  if (generator === undefined) throw new TypeError(`${fn}: sampling needs a generator, e.g. { generator: new Generator(1337) }, or greedy: true`);
  const probs = nextTokenProbabilities(logits, { temperature, topK });
  const u = generator.nextDouble();
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    cumulative += probs[i];
    last = i;
    if (u < cumulative) return i;
  }
  // Rounding can leave the cumulative sum a hair below 1: u falls past it, into the last possible token.
  return last;
}

export interface GenerateOptions extends SampleOptions {
  /** How many tokens to add to the prompt. */
  maxNewTokens: number;
  /** Seeds a new Generator when none is given (default 1337). */
  seed?: number;
}

/** The logits of the next token after a context of at most blockSize tokens. */
export type NextTokenLogits = (context: Int32Array) => ArrayLike<number>;

const generateSpec = { ...sampleSpec, maxNewTokens: { kind: "integer", min: 0 }, seed: { kind: "integer", min: 0 }, onToken: "function" } as const;

function generatorOf(fn: string, options: { generator?: Generator; seed?: number; greedy?: boolean }): Generator | undefined {
  if (options.generator !== undefined && options.seed !== undefined) throw new RangeError(`${fn}: give a generator or a seed, not both`);
  if (options.greedy) return undefined;
  return options.generator ?? new Generator(options.seed ?? 1337);
}

/**
 * The last blockSize tokens of a text longer than the context, which is all a model with learned positions can read,
 * with a line that says so (generate, attentionMaps and nextTokenLogits all keep the last blockSize, as nanoGPT crops idx).
 */
export function lastContext<T extends ArrayLike<number>>(fn: string, tokens: T, blockSize: number): T | number[] {
  if (tokens.length <= blockSize) return tokens;
  console.log(`${fn}: the text has ${tokens.length} tokens, the context ${blockSize}: the model reads only the last ${blockSize}`);
  return Array.from(tokens).slice(-blockSize);
}

/**
 * The prompt's tokens followed by maxNewTokens generated ones. Each step sees only the last blockSize tokens, as
 * nanoGPT crops idx (a longer prompt is kept whole in the result, and said so); onToken hears each new token.
 * For a GPT, new KVCache(model).nextTokenLogits is next with the cache, generate's default.
 */
export function generateTokens(
  next: NextTokenLogits,
  prompt: ArrayLike<number>,
  blockSize: number,
  options: GenerateOptions & { onToken?: (token: number) => void },
): Int32Array {
  return generateFrom("generateTokens", next, prompt, blockSize, options);
}

function generateFrom(
  fn: string,
  next: NextTokenLogits,
  prompt: ArrayLike<number>,
  blockSize: number,
  options: GenerateOptions & { onToken?: (token: number) => void },
): Int32Array {
  if (typeof next !== "function") throw new TypeError(`${fn}: next must be a function from a context to the next token's logits`);
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new RangeError(`${fn}: blockSize ${blockSize} must be a positive integer`);
  if (options === undefined || options === null) throw new TypeError(`${fn}: options are required, e.g. { maxNewTokens: 200 }`);
  const { maxNewTokens, temperature, topK, greedy, onToken } = checkOptions(fn, options, generateSpec);
  if (maxNewTokens === undefined) throw new TypeError(`${fn}: maxNewTokens is required, e.g. { maxNewTokens: 200 }`);
  checkSampling(fn, options);
  if (prompt.length === 0) throw new RangeError(`${fn}: the prompt is empty; start from at least one token (nanoGPT starts from "\\n")`);
  lastContext(fn, prompt, blockSize);
  const generator = generatorOf(fn, options);
  const tokens = new Int32Array(prompt.length + maxNewTokens);
  for (let i = 0; i < prompt.length; i++) tokens[i] = prompt[i];
  for (let n = prompt.length; n < tokens.length; n++) {
    const logits = next(tokens.subarray(Math.max(0, n - blockSize), n));
    const token = sampleToken(logits, greedy ? { greedy } : { temperature, topK, generator });
    tokens[n] = token;
    onToken?.(token);
  }
  return tokens;
}

/** What generate needs of a model: its config and a forward pass giving logits (B, T, V). */
export interface LogitsModel {
  readonly config: { readonly blockSize: number; readonly vocabSize: number };
  forward(tokens: ArrayLike<number>, batch: number, time: number): { logits: ArrayLike<number> & { subarray(begin: number, end?: number): ArrayLike<number> } };
}

export interface GenerateTextOptions extends GenerateOptions {
  /** Keep each layer's keys and values, and compute only the new position (default true for a GPT); false runs the whole context every time. */
  cache?: boolean;
  /** Hears each character as it is produced (print it to stream the text). */
  onToken?: (text: string, token: number) => void;
}

/**
 * Text written by the model after a prompt: the prompt followed by maxNewTokens characters. A prompt character
 * outside the vocabulary is an error; a prompt longer than the context is kept whole, and the model reads its last
 * blockSize characters (said in a printed line). A GPT generates through a KVCache unless { cache: false }: the same
 * logits (within float rounding), so the same text for the same seed.
 */
export function generate(model: LogitsModel, tokenizer: CharTokenizer, prompt: string, options: GenerateTextOptions): string {
  const fn = "generate";
  if (options === undefined || options === null) throw new TypeError(`${fn}: options are required, e.g. { maxNewTokens: 200 }`);
  checkOptions(fn, options, { ...generateSpec, cache: "boolean" });
  if (!(tokenizer instanceof CharTokenizer)) {
    throw new TypeError(
      `${fn}: the tokenizer is ${tokenizer === undefined ? "undefined" : typeof tokenizer}, not a CharTokenizer. A checkpoint saved without its ` +
        "vocabulary has none (readCheckpoint gives tokenizer undefined): rebuild it from the training text with CharTokenizer.fromText(text)",
    );
  }
  if (tokenizer.vocabSize !== model.config.vocabSize) {
    throw new RangeError(`${fn}: the tokenizer has ${tokenizer.vocabSize} characters, the model a vocabulary of ${model.config.vocabSize}`);
  }
  const { onToken, cache = model instanceof GPT, ...rest } = options;
  if (cache && !(model instanceof GPT)) throw new TypeError(`${fn}: the KV cache needs a GPT; give { cache: false } for another model`);
  const V = model.config.vocabSize;
  const next: NextTokenLogits = cache
    ? new KVCache(model as GPT).nextTokenLogits
    : (context) => {
        const T = context.length;
        return model.forward(context, 1, T).logits.subarray((T - 1) * V, T * V);
      };
  const tokens = generateFrom(fn, next, tokenizer.encode(prompt), model.config.blockSize, {
    ...rest,
    onToken: onToken === undefined ? undefined : (token: number) => onToken(tokenizer.chars[token], token),
  });
  return tokenizer.decode(tokens);
}
