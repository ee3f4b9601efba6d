// The GPT's objects checked at the public entries: a plain object where a model or a tokenizer (or a dataset:
// checkDataset in training/dataset.ts) belongs is
// an error naming the function and what it got, never "tokenizer.encode is not a function" from deep inside.
import { describe } from "../core/options.js";
import { GPT } from "./model.js";
import { CharTokenizer } from "./training/tokenizer.js";

export function checkModel(fn: string, model: unknown): asserts model is GPT {
  if (!(model instanceof GPT)) throw new TypeError(`${fn}: model must be a GPT (GPT.create, loadCheckpoint), got ${describe(model)}`);
}

/** A model as generate and estimateLoss use it: a config with the sizes they read and a forward method. */
export function checkForwardModel(fn: string, model: unknown, sizes: readonly string[]): void {
  const config = (model as { config?: Record<string, unknown> } | null)?.config;
  const ok = typeof (model as { forward?: unknown } | null)?.forward === "function" && typeof config === "object" && config !== null &&
    sizes.every((size) => Number.isSafeInteger(config[size]) && (config[size] as number) >= 1);
  if (!ok) throw new TypeError(`${fn}: model must be a GPT (or have forward() and config { ${sizes.join(", ")} }), got ${describe(model)}`);
}

export function checkTokenizer(fn: string, tokenizer: unknown): asserts tokenizer is CharTokenizer {
  if (!(tokenizer instanceof CharTokenizer)) throw new TypeError(`${fn}: tokenizer must be a CharTokenizer (CharTokenizer.fromText, a checkpoint's tokenizer), got ${describe(tokenizer)}`);
}

/** Token ids: an array (or typed array) of integers in [0, vocabSize); the first bad one is named with its place. */
export function checkTokenIds(fn: string, what: string, ids: unknown, vocabSize?: number): asserts ids is ArrayLike<number> {
  const list = ids as ArrayLike<unknown> | null;
  if (list === null || typeof list !== "object" || typeof list.length !== "number") {
    throw new TypeError(`${fn}: ${what} must be an array of token ids, got ${describe(ids)}`);
  }
  for (let i = 0; i < list.length; i++) {
    const id = list[i];
    const reason = typeof id !== "number" ? "not a number" : !Number.isInteger(id) ? "not a whole number" : id < 0 ? "negative"
      : vocabSize !== undefined && id >= vocabSize ? `outside the vocabulary [0, ${vocabSize})` : undefined;
    if (reason !== undefined) throw new RangeError(`${fn}: ${what}: token id ${typeof id === "number" ? id : describe(id)} at position ${i} is ${reason}`);
  }
}
