// Fine-tuning, as nanoGPT's init_from: a trained model, its config and its vocabulary, continued on another text.
// A text may hold characters the model never saw: an error that lists them all, or new rows of the embedding
// (initialised as nanoGPT initialises wte; the tied LM head grows with it), or a replacement character.
import { onBehalfOf, restated } from "../../core/errors.js";
import { checkOptions } from "../../core/options.js";
import { DEFAULT_SEED, GENERATOR_HINT, SEED_RULE, Generator, normalFill } from "../../core/random.js";
import { gptConfig } from "../config.js";
import { GPT } from "../model.js";
import { readCheckpoint } from "../checkpoint.js";
import { TextDataset } from "./dataset.js";
import { CharTokenizer, ONE_CHARACTER } from "./tokenizer.js";
import { train, type TrainOptions, type TrainProgress, type TrainResult } from "./train.js";
import type { TrainState } from "./trainState.js";

/** What to do with characters of the new text that the model's vocabulary lacks. */
export type UnknownChars = "error" | "extend" | "replace";

export interface FineTuneDataOptions {
  /** "error" (default): list them all; "extend": new token ids for them; "replace": each becomes `replacement`. */
  unknownChars?: UnknownChars;
  /** The character of the vocabulary that unknown ones become with unknownChars "replace" (default " "). */
  replacement?: string;
  /** Seeds the new embedding rows with unknownChars "extend" (default DEFAULT_SEED). */
  seed?: number;
  /** The share of the new text to train on, the rest validates (default 0.9). */
  trainFraction?: number;
}

export interface FineTuneSetup {
  /** A copy of the checkpoint's model (grown by the new characters, if any): training it leaves the original as it was. */
  model: GPT;
  tokenizer: CharTokenizer;
  /** The new text, encoded with that tokenizer. */
  dataset: TextDataset;
  /** Characters given new ids (unknownChars "extend"), in id order after the old ones. */
  added: string[];
  /** Characters replaced (unknownChars "replace"). */
  replaced: string[];
}

/** A trained model and its vocabulary: readCheckpoint's result, or its path. */
export type FineTuneSource = string | { model: GPT; tokenizer?: CharTokenizer };

const DATA_SPEC = {
  unknownChars: ["error", "extend", "replace"],
  replacement: ONE_CHARACTER,
  seed: SEED_RULE,
  trainFraction: { kind: "finite", min: 0, max: 1 },
} as const;

/**
 * The model with `count` more tokens: the old embedding rows (hence the old ids, and the tied LM head's rows) as
 * they were, the new rows drawn normal(0, 0.02) in float32 as nanoGPT's _init_weights draws wte. A new model.
 */
export function extendVocabulary(model: GPT, count: number, options: { seed?: number } = {}): GPT {
  const fn = "extendVocabulary";
  const { seed = DEFAULT_SEED } = checkOptions(fn, options, { seed: SEED_RULE }, GENERATOR_HINT);
  if (!(model instanceof GPT)) throw new TypeError(`${fn}: expected a GPT, got ${typeof model}`);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`${fn}: count ${count} must be an integer >= 0`);
  const { vocabSize, nEmbd } = model.config;
  const tensors = new Map(model.parameters.map((p) => [p.name, { shape: p.shape, data: p.data as ArrayLike<number> }]));
  const wte = model.parameter("transformer.wte.weight");
  const grown = new Float64Array((vocabSize + count) * nEmbd);
  grown.set(wte.data);
  grown.set(normalFill(new Float32Array(count * nEmbd), { std: 0.02, generator: new Generator(seed) }), vocabSize * nEmbd);
  tensors.set(wte.name, { shape: [vocabSize + count, nEmbd], data: grown });
  return GPT.fromParameters(gptConfig({ ...model.config, vocabSize: vocabSize + count }), tensors, { dtype: model.dtype });
}

/** A fresh copy of a model, so that fine-tuning leaves the original as it was. */
function copyOf(model: GPT): GPT {
  return extendVocabulary(model, 0);
}

/**
 * Everything to fine-tune a trained model on a new text: a copy of the model, its tokenizer (extended if asked) and
 * the text as a dataset. Then train(setup.model, setup.dataset, { steps, ... }), or fineTune does both.
 */
export function prepareFineTune(source: FineTuneSource, text: string, options: FineTuneDataOptions = {}): FineTuneSetup {
  const fn = "prepareFineTune";
  const { unknownChars = "error", replacement = " ", seed, trainFraction } = checkOptions(fn, options, DATA_SPEC, GENERATOR_HINT);
  const { model, tokenizer } = typeof source === "string" ? onBehalfOf(fn, () => readCheckpoint(source)) : (source ?? {});
  if (!(model instanceof GPT)) throw new TypeError(`${fn}: expected a checkpoint's path or { model, tokenizer } (readCheckpoint gives both)`);
  if (!(tokenizer instanceof CharTokenizer)) {
    throw new RangeError(`${fn}: the checkpoint has no vocabulary, so its token ids mean no characters; give { model, tokenizer } with the tokenizer it was trained with`);
  }
  if (typeof text !== "string" || text.length === 0) throw new RangeError(`${fn}: the text is empty`);
  const unknown = tokenizer.unknownCharacters(text);
  if (unknown.length > 0 && unknownChars === "error") onBehalfOf(fn, () => tokenizer.encode(text)); // the error that lists them all
  if (unknownChars === "extend") {
    const extended = tokenizer.extend(unknown);
    const grown = extendVocabulary(model, unknown.length, { seed });
    return { model: grown, tokenizer: extended, dataset: TextDataset.fromText(text, { tokenizer: extended, trainFraction }), added: unknown, replaced: [] };
  }
  const tokens = onBehalfOf(fn, () => tokenizer.encode(text, unknownChars === "replace" ? { replacement } : {}));
  return { model: copyOf(model), tokenizer, dataset: new TextDataset(tokens, tokenizer, { trainFraction }), added: [], replaced: unknownChars === "replace" ? unknown : [] };
}

/**
 * Fine-tunes a trained model on a new text: prepareFineTune, then train with the options (train's and
 * prepareFineTune's; seed seeds both the batches and any new embedding rows). The checkpoint's model is left as it was.
 */
export async function fineTune(
  source: FineTuneSource,
  text: string,
  options: TrainOptions & FineTuneDataOptions,
  onProgress?: (progress: TrainProgress, state: () => TrainState) => void,
): Promise<FineTuneSetup & TrainResult> {
  if (options === undefined || options === null) throw new TypeError("fineTune: options are required, e.g. { steps: 200 }");
  const { unknownChars, replacement, trainFraction, ...trainOptions } = options;
  const setup = onBehalfOf("fineTune", () => prepareFineTune(source, text, { unknownChars, replacement, trainFraction, seed: options.seed }));
  try {
    return { ...setup, ...(await train(setup.model, setup.dataset, trainOptions, onProgress)) };
  } catch (error) {
    throw restated("fineTune", error);
  }
}
