// The text as training data, as nanoGPT's shakespeare_char: the first 90% of the tokens to train on, the last 10% to
// validate; a batch is B windows of T+1 tokens at seeded random places, the targets being the inputs shifted by one.
import { onBehalfOf } from "../../core/errors.js";
import { checkBytes } from "../../core/memory.js";
import { checkOptions, describe } from "../../core/options.js";
import { DEFAULT_SEED, GENERATOR_HINT, SEED_RULE, Generator, checkGenerator } from "../../core/random.js";
import { CharTokenizer } from "./tokenizer.js";
import { checkForwardModel, checkTokenizer } from "../checks.js";
import { checkForwardMemory } from "../memory.js";
import { GPT } from "../model.js";

export type Split = "train" | "val";

/** B windows of T tokens, row-major (B, T): targets[b, t] is the token after inputs[b, t]. */
export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
  batchSize: number;
  blockSize: number;
}

export interface DatasetOptions {
  /** The share of the tokens to train on, the rest validates (default 0.9, as nanoGPT). */
  trainFraction?: number;
  /** The tokenizer to encode with (default: the text's own characters). */
  tokenizer?: CharTokenizer;
}

function checkPositiveInteger(fn: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new RangeError(`${fn}: ${name} must be a positive integer, got ${describe(value)}`);
}

export function checkDataset(fn: string, dataset: unknown): asserts dataset is TextDataset {
  if (!(dataset instanceof TextDataset)) throw new TypeError(`${fn}: dataset must be a TextDataset (TextDataset.fromText), got ${describe(dataset)}`);
}

/**
 * The dataset's token ids mean what the model's do: as many characters, and, when the model knows its characters
 * (a model trained here or read from a checkpoint has a tokenizer), the same characters in the same order.
 */
export function checkDatasetFitsModel(fn: string, model: LossModel, dataset: TextDataset): void {
  if (dataset.vocabSize !== model.config.vocabSize) {
    throw new RangeError(`${fn}: the dataset has ${dataset.vocabSize} characters, the model a vocabulary of ${model.config.vocabSize}`);
  }
  const known = model.tokenizer?.chars;
  if (known === undefined) return;
  const at = dataset.tokenizer.chars.findIndex((char, id) => char !== known[id]);
  if (at >= 0) {
    throw new RangeError(
      `${fn}: the dataset's token id ${at} is ${JSON.stringify(dataset.tokenizer.chars[at])}, the model's is ${JSON.stringify(known[at])}: ` +
        "build the dataset with the model's tokenizer (TextDataset.fromText(text, { tokenizer: model.tokenizer }), or prepareFineTune)",
    );
  }
}

/** A split must hold a window of blockSize tokens and its next token: checked before any batch is drawn. */
export function checkSplitFits(fn: string, dataset: TextDataset, split: Split, blockSize: number): void {
  const length = (split === "train" ? dataset.train : dataset.val).length;
  if (length < blockSize + 1) throw new RangeError(`${fn}: the ${split} split has ${length} tokens, it needs more than blockSize ${blockSize}`);
}

export class TextDataset {
  readonly tokenizer: CharTokenizer;
  /** The tokens to train on: the first trainFraction of the text. */
  readonly train: Int32Array;
  /** The tokens to validate on: the rest. */
  readonly val: Int32Array;

  constructor(tokens: Int32Array, tokenizer: CharTokenizer, options: { trainFraction?: number } = {}) {
    const { trainFraction = 0.9 } = checkOptions("TextDataset", options, { trainFraction: { kind: "finite", min: 0, max: 1 } });
    if (!(tokens instanceof Int32Array)) throw new TypeError(`TextDataset: tokens must be an Int32Array (tokenizer.encode gives one), got ${describe(tokens)}`);
    checkTokenizer("TextDataset", tokenizer);
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= tokenizer.vocabSize) {
        throw new RangeError(`TextDataset: token ${tokens[i]} at position ${i} is outside the vocabulary [0, ${tokenizer.vocabSize})`);
      }
    }
    // As prepare.py: n = len(data); train = data[:int(n*0.9)].
    const cut = Math.floor(tokens.length * trainFraction);
    this.tokenizer = tokenizer;
    this.train = tokens.subarray(0, cut);
    this.val = tokens.subarray(cut);
  }

  /** Encodes a text and splits it (90% / 10% unless told). */
  static fromText(text: string, options: DatasetOptions = {}): TextDataset {
    const fn = "TextDataset.fromText";
    const { tokenizer, trainFraction } = checkOptions(fn, options, { trainFraction: { kind: "finite", min: 0, max: 1 }, tokenizer: "object" });
    if (typeof text !== "string" || text.length === 0) throw new TypeError(`${fn}: text must be a non-empty string, got ${describe(text)}`);
    if (tokenizer !== undefined) checkTokenizer(fn, tokenizer);
    const chars = tokenizer ?? CharTokenizer.fromText(text);
    const tokens = onBehalfOf(fn, () => chars.encode(text), "the text's ");
    return new TextDataset(tokens, chars, { trainFraction });
  }

  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }

  /**
   * B windows at random starts, as nanoGPT's get_batch: ix = torch.randint(len(data) - T, (B,)). The starts are
   * the generator's 32-bit draws modulo len(data) - T, which is what torch.randint does, so a Generator seeded
   * like torch.manual_seed picks the same windows.
   */
  getBatch(split: Split, batchSize: number, blockSize: number, generator: Generator): Batch {
    const fn = "TextDataset.getBatch";
    if (split !== "train" && split !== "val") throw new RangeError(`${fn}: split ${JSON.stringify(split)} must be "train" or "val"`);
    checkPositiveInteger(fn, "batchSize", batchSize);
    checkPositiveInteger(fn, "blockSize", blockSize);
    checkGenerator(fn, generator);
    checkBytes(fn, `a batch of ${batchSize} x ${blockSize} tokens (inputs and targets)`, 2 * 4 * batchSize * blockSize);
    checkSplitFits(fn, this, split, blockSize);
    const data = split === "train" ? this.train : this.val;
    const range = data.length - blockSize;
    const inputs = new Int32Array(batchSize * blockSize);
    const targets = new Int32Array(batchSize * blockSize);
    for (let b = 0; b < batchSize; b++) {
      const start = generator.nextUint32() % range;
      inputs.set(data.subarray(start, start + blockSize), b * blockSize);
      targets.set(data.subarray(start + 1, start + 1 + blockSize), b * blockSize);
    }
    return { inputs, targets, batchSize, blockSize };
  }
}

/** What estimateLoss needs of a model: its context length, its vocabulary and a forward pass that gives the loss. */
export interface LossModel {
  readonly config: { readonly blockSize: number; readonly vocabSize: number };
  /** The characters its token ids stand for, when it knows them. */
  readonly tokenizer?: CharTokenizer;
  forward(tokens: ArrayLike<number>, batch: number, time: number, options?: { targets?: ArrayLike<number> }): { loss: number | undefined };
}

export interface EstimateLossOptions {
  /** How many batches to average (default 20, nanoGPT's eval_iters for the CPU recipe). */
  batches?: number;
  /** Windows per batch (default 12). */
  batchSize?: number;
  /** Tokens per window (default the model's blockSize). */
  blockSize?: number;
  /** The seed of the windows: the same seed gives the same batches, so losses compare across steps (default DEFAULT_SEED). */
  seed?: number;
  split?: Split;
}

/** The mean loss over fixed seeded batches of a split (validation unless told), the model in evaluation mode. */
export function estimateLoss(model: LossModel, dataset: TextDataset, options: EstimateLossOptions = {}): number {
  const fn = "estimateLoss";
  checkForwardModel(fn, model, ["blockSize", "vocabSize"]);
  checkDataset(fn, dataset);
  checkDatasetFitsModel(fn, model, dataset);
  const {
    batches = 20,
    batchSize = 12,
    blockSize = model.config.blockSize,
    seed = DEFAULT_SEED,
    split = "val",
  } = checkOptions(fn, options, {
    batches: { kind: "integer", min: 1 },
    batchSize: { kind: "integer", min: 1 },
    blockSize: { kind: "integer", min: 1 },
    seed: SEED_RULE,
    split: ["train", "val"],
  }, GENERATOR_HINT);
  if (model instanceof GPT) checkForwardMemory(fn, model.config, model.dtype, batchSize, blockSize, true);
  checkSplitFits(fn, dataset, split, blockSize);
  const generator = new Generator(seed);
  let total = 0;
  for (let k = 0; k < batches; k++) {
    const { inputs, targets } = dataset.getBatch(split, batchSize, blockSize, generator);
    const { loss } = model.forward(inputs, batchSize, blockSize, { targets });
    if (loss === undefined || !Number.isFinite(loss)) throw new RangeError(`${fn}: the loss of ${split} batch ${k} is ${loss}`);
    total += loss;
  }
  return total / batches;
}
