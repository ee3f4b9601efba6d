// Writing text, as nanoGPT's generate: crop the context to the last blockSize tokens, take the logits of the last
// position, divide by the temperature, keep the top k, softmax, draw one token (or take the most likely), repeat.
// A GPT generates through a KV cache (kvCache.ts) unless told { cache: false }: the same logits, computed once each.
import { onBehalfOf } from "../core/errors.js";
import { checkBytes } from "../core/memory.js";
import { checkOptions, describe } from "../core/options.js";
import { DEFAULT_SEED, GENERATOR_KIND, SEED_HINT, SEED_RULE, Generator, defaultGenerator } from "../core/random.js";
import type { CharTokenizer } from "./training/tokenizer.js";
import { KVCache } from "./kvCache.js";
import { GPT } from "./model.js";
import { checkForwardModel, checkTokenIds, checkTokenizer } from "./checks.js";

export interface SampleOptions {
  /** Divides the logits: below 1 sharpens the distribution, above 1 flattens it (default 1). Must be > 0. */
  temperature?: number;
  /** Draw only among the k most likely tokens (default: all of them); k larger than the vocabulary means all. */
  topK?: number;
  /** Always take the most likely token: no randomness, no temperature (default false). */
  greedy?: boolean;
  /** Where the draws come from (default: sampleToken the shared defaultGenerator, generate a new Generator(seed)). */
  generator?: Generator;
}

const sampleSpec = {
  temperature: "finite",
  topK: "integer",
  greedy: "boolean",
  generator: GENERATOR_KIND,
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
}

/** Logits: a non-empty array of numbers, none NaN. */
function checkLogits(fn: string, logits: unknown): asserts logits is ArrayLike<number> {
  const list = logits as ArrayLike<unknown> | null;
  if (list === null || typeof list !== "object" || typeof list.length !== "number") throw new TypeError(`${fn}: logits must be an array of numbers, got ${describe(logits)}`);
  if (list.length === 0) throw new RangeError(`${fn}: no logits; there must be one per token of the vocabulary`);
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== "number" || Number.isNaN(list[i])) throw new RangeError(`${fn}: logit ${i} is ${typeof list[i] === "number" ? list[i] : describe(list[i])}; every logit must be a number`);
  }
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
  const checked = checkOptions(fn, options, { temperature: "finite", topK: "integer" });
  const { temperature = 1, topK } = checked;
  checkSampling(fn, checked);
  checkLogits(fn, logits);
  const n = logits.length;
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) scaled[i] = logits[i] / temperature;
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
  const checked = checkOptions(fn, options, sampleSpec, SEED_HINT);
  const { greedy = false, generator = defaultGenerator, temperature, topK } = checked;
  checkSampling(fn, checked);
  checkLogits(fn, logits);
  if (greedy) return argmax(logits);
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
  /** Seeds a new Generator when none is given (default DEFAULT_SEED). */
  seed?: number;
}

/** The logits of the next token after a context of at most blockSize tokens. */
export type NextTokenLogits = (context: Int32Array) => ArrayLike<number>;

const generateSpec = { ...sampleSpec, maxNewTokens: { kind: "integer", min: 0 }, seed: SEED_RULE, onToken: "function" } as const;

function generatorOf(fn: string, options: { generator?: Generator; seed?: number; greedy?: boolean }): Generator | undefined {
  if (options.generator !== undefined && options.seed !== undefined) throw new RangeError(`${fn}: give a generator or a seed, not both`);
  if (options.greedy) return undefined;
  return options.generator ?? new Generator(options.seed ?? DEFAULT_SEED);
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
  return generateWith("generateTokens", next, prompt, blockSize, options);
}

// generateTokens, with errors naming the public function called (generate uses it too).
function generateWith(
  fn: string,
  next: NextTokenLogits,
  prompt: ArrayLike<number>,
  blockSize: number,
  options: GenerateOptions & { onToken?: (token: number) => void },
  vocabSize?: number,
): Int32Array {
  if (typeof next !== "function") throw new TypeError(`${fn}: next must be a function from a context to the next token's logits`);
  if (typeof blockSize !== "number" || !Number.isSafeInteger(blockSize) || blockSize < 1) throw new RangeError(`${fn}: blockSize must be a positive integer, got ${describe(blockSize)}`);
  if (options === undefined || options === null) throw new TypeError(`${fn}: options are required, e.g. { maxNewTokens: 200 }`);
  const { maxNewTokens, temperature, topK, greedy, onToken } = checkOptions(fn, options, generateSpec);
  if (maxNewTokens === undefined) throw new TypeError(`${fn}: maxNewTokens is required, e.g. { maxNewTokens: 200 }`);
  checkSampling(fn, options);
  checkTokenIds(fn, "the prompt", prompt, vocabSize);
  if (prompt.length === 0) throw new RangeError(`${fn}: the prompt is empty; start from at least one token (nanoGPT starts from "\\n")`);
  lastContext(fn, prompt, blockSize);
  const generator = generatorOf(fn, options);
  checkBytes(fn, `${prompt.length + maxNewTokens} token ids (the prompt's ${prompt.length} and maxNewTokens ${maxNewTokens})`, 4 * (prompt.length + maxNewTokens));
  const tokens = new Int32Array(prompt.length + maxNewTokens);
  for (let i = 0; i < prompt.length; i++) tokens[i] = prompt[i];
  for (let n = prompt.length; n < tokens.length; n++) {
    const logits = next(tokens.subarray(Math.max(0, n - blockSize), n));
    const token = onBehalfOf(fn, () => sampleToken(logits, greedy ? { greedy } : { temperature, topK, generator }), `the logits of token ${n}: `);
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
  checkForwardModel(fn, model, ["blockSize", "vocabSize"]);
  if (tokenizer === undefined) {
    throw new TypeError(
      `${fn}: the tokenizer is undefined, not a CharTokenizer. A checkpoint saved without its vocabulary has none ` +
        "(readCheckpoint gives tokenizer undefined): rebuild it from the training text with CharTokenizer.fromText(text)",
    );
  }
  checkTokenizer(fn, tokenizer);
  if (typeof prompt !== "string") throw new TypeError(`${fn}: prompt must be a string, got ${describe(prompt)}`);
  if (options === undefined || options === null) throw new TypeError(`${fn}: options are required, e.g. { maxNewTokens: 200 }`);
  checkOptions(fn, options, { ...generateSpec, cache: "boolean" });
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
  const ids = onBehalfOf(fn, () => tokenizer.encode(prompt), "the prompt's ");
  const tokens = generateWith(fn, next, ids, model.config.blockSize, {
    ...rest,
    onToken: onToken === undefined ? undefined : (token: number) => onToken(tokenizer.chars[token], token),
  }, V);
  return tokenizer.decode(tokens);
}
