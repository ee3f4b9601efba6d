// A trained GPT as a .safetensors file with nanoGPT's parameter names and PyTorch's shapes, so that a model trained
// here continues in PyTorch and one trained there loads here. The config and the characters travel in the metadata.
import { onBehalfOf } from "../core/errors.js";
import type { DType } from "../core/matrix.js";
import { decodeSafetensors, writeSafetensors, type Safetensors, type StoredTensor, type Tensor } from "../io/safetensors.js";
import { checkWritable, readBytes } from "../io/files.js";
import { checkOptions, describe } from "../core/options.js";
import { tensorShapeText } from "../core/shape.js";
import { checkModel, checkTokenizer } from "./checks.js";
import { gptConfig, type GPTConfig } from "./config.js";
import { GPT } from "./model.js";
import { CharTokenizer } from "./training/tokenizer.js";
import { saveTrainState, trainStatePath, type TrainState } from "./training/trainState.js";

/** The metadata keys saveCheckpoint writes itself. */
const RESERVED = ["format", "config", "vocab"];
const FORMAT = "thelittlebaby-gpt";

export interface SaveCheckpointOptions {
  /** Its characters are saved, so that the checkpoint alone can encode and decode text (default: model.tokenizer, attached by train and readCheckpoint). */
  tokenizer?: CharTokenizer;
  /** More strings to keep with the weights: how it was trained, the command, the losses. */
  metadata?: Record<string, string>;
  /** Where the run is (train's result.state): written beside, to trainStatePath(path), so that the run can resume. */
  trainState?: TrainState;
}


/**
 * Writes the model's parameters in its dtype (F32 or F64) under nanoGPT's names, with metadata "config" (the
 * GPTConfig as JSON), "vocab" (the characters of the tokenizer given, or else of the one train or readCheckpoint
 * attached to the model, as a JSON array; none when neither exists) and any metadata given.
 * lm_head.weight is not written: it is transformer.wte.weight (tied), as safetensors' save_model does.
 */
export function saveCheckpoint(path: string, model: GPT, options: SaveCheckpointOptions = {}): void {
  const fn = "saveCheckpoint";
  const { tokenizer: given, metadata = {}, trainState } = checkOptions(fn, options, { tokenizer: "object", metadata: "object", trainState: "object" });
  checkModel(fn, model);
  const tokenizer = given ?? model.tokenizer;
  for (const [key, value] of Object.entries(metadata)) {
    if (RESERVED.includes(key)) throw new RangeError(`${fn}: metadata ${key} is written by saveCheckpoint itself; choose another key`);
    if (typeof value !== "string") throw new TypeError(`${fn}: metadata ${key} must be a string (JSON.stringify it), got ${describe(value)}`);
  }
  checkWritable(fn, path);
  if (tokenizer !== undefined) {
    checkTokenizer(fn, tokenizer);
    if (tokenizer.vocabSize !== model.config.vocabSize) {
      throw new RangeError(`${fn}: the tokenizer has ${tokenizer.vocabSize} characters, the model a vocabulary of ${model.config.vocabSize}`);
    }
  }
  const tensors = new Map<string, Tensor>();
  for (const { name, shape, data } of model.parameters) {
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`${fn}: ${name} holds ${data[bad]} at index ${bad}; a checkpoint keeps finite weights only`);
    tensors.set(name, { shape, data });
  }
  writeSafetensors(path, tensors, {
    ...metadata,
    format: FORMAT,
    config: JSON.stringify(model.config),
    ...(tokenizer === undefined ? {} : { vocab: JSON.stringify(tokenizer.chars) }),
  });
  if (trainState !== undefined) saveTrainState(trainStatePath(path), model, trainState);
}

export interface LoadCheckpointOptions {
  /** The model's dtype (default the dtype of the file's transformer.wte.weight: F64 gives float64, else float32). */
  dtype?: DType;
  /** For a file without a "config" in its metadata (written by plain PyTorch): the number of heads, which the shapes do not tell. */
  nHead?: number;
  /** For a file without a config: where the LayerNorms sit (default "pre", as nanoGPT). */
  norm?: "pre" | "post";
}

export interface Checkpoint {
  model: GPT;
  /** From the "vocab" metadata; undefined when the file has none. */
  tokenizer: CharTokenizer | undefined;
  metadata: Record<string, string>;
}

const loadSpec = { dtype: ["float32", "float64"], nHead: { kind: "integer", min: 1 }, norm: ["pre", "post"] } as const;

/**
 * The config of a file: its "config" metadata, or else what the shapes say (vocabulary, context, width, layers,
 * biases) with nHead from the options. Dropout is a training choice and starts at 0.
 */
function configOf(file: Safetensors, source: string, options: LoadCheckpointOptions): GPTConfig {
  const text = file.metadata.config;
  if (text !== undefined) {
    let parsed: Partial<GPTConfig> & { vocabSize: number };
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new RangeError(`${source}: metadata config is not JSON: ${text.slice(0, 80)}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new RangeError(`${source}: metadata config is not a JSON object: ${text.slice(0, 80)}`);
    const config = fromFile(source, "metadata config", () => gptConfig(parsed));
    for (const key of ["nHead", "norm"] as const) {
      if (options[key] !== undefined && options[key] !== config[key]) {
        throw new RangeError(`${source}: the checkpoint's config has ${key} ${config[key]}, the options ask for ${options[key]}`);
      }
    }
    return config;
  }
  const wte = file.tensors.get("transformer.wte.weight");
  const wpe = file.tensors.get("transformer.wpe.weight");
  if (wte === undefined || wpe === undefined || wte.shape.length !== 2 || wpe.shape.length !== 2) {
    throw new RangeError(`${source}: no config in the metadata, and no 2-D transformer.wte.weight and transformer.wpe.weight to read one from`);
  }
  if (options.nHead === undefined) {
    throw new RangeError(`${source}: the metadata has no config, so give the number of heads, e.g. { nHead: 4 } (the shapes say the rest)`);
  }
  const layers = new Set([...file.tensors.keys()].map((name) => /^transformer\.h\.(\d+)\./.exec(name)?.[1]).filter((i) => i !== undefined));
  return fromFile(source, "the config its shapes give", () => gptConfig({
    vocabSize: wte.shape[0],
    blockSize: wpe.shape[0],
    nEmbd: wte.shape[1],
    nLayer: layers.size,
    nHead: options.nHead,
    dropout: 0,
    bias: file.tensors.has("transformer.ln_f.bias"),
    norm: options.norm ?? "pre",
  }));
}

// What a check inside says about the file's contents, prefixed with the file and what in it was wrong.
function fromFile<T>(source: string, what: string, make: () => T): T {
  return onBehalfOf(source, make, `${what}: `);
}

/** nanoGPT's causal-mask buffer (PyTorch < 2.0 saves it as attn.bias): ones on and below the diagonal. */
function isCausalMask(t: StoredTensor, blockSize: number): boolean {
  if (t.shape.length !== 4 || t.shape[0] !== 1 || t.shape[1] !== 1 || t.shape[2] !== blockSize || t.shape[3] !== blockSize) return false;
  for (let i = 0; i < blockSize; i++) for (let j = 0; j < blockSize; j++) if (t.data[i * blockSize + j] !== (j <= i ? 1 : 0)) return false;
  return true;
}

/** The file's tensors without nanoGPT's causal masks, which are not parameters (GPT.fromParameters checks the rest). */
function withoutCausalMasks(file: Safetensors, source: string, blockSize: number): Map<string, StoredTensor> {
  const tensors = new Map<string, StoredTensor>();
  for (const [name, t] of file.tensors) {
    if (!/^transformer\.h\.\d+\.attn\.bias$/.test(name)) tensors.set(name, t);
    else if (!isCausalMask(t, blockSize)) {
      throw new RangeError(`${source}: ${name} ${tensorShapeText(t.shape)} is not the causal mask (1, 1, ${blockSize}, ${blockSize}) nanoGPT saves there`);
    }
  }
  return tensors;
}

/** A checkpoint's model, tokenizer (when it has one) and metadata. */
export function readCheckpoint(path: string, options: LoadCheckpointOptions = {}): Checkpoint {
  return read("readCheckpoint", path, options);
}

/** The GPT of a checkpoint (readCheckpoint gives its tokenizer and metadata too). */
export function loadCheckpoint(path: string, options: LoadCheckpointOptions = {}): GPT {
  return read("loadCheckpoint", path, options).model;
}

// Every error about the file's contents names fn and the file.
function read(fn: string, path: string, options: LoadCheckpointOptions): Checkpoint {
  const checked = checkOptions(fn, options, loadSpec);
  const bytes = readBytes(fn, path);
  try {
    const file = decodeSafetensors(bytes, path);
    const config = configOf(file, path, checked);
    const tensors = withoutCausalMasks(file, path, config.blockSize);
    const dtype = checked.dtype ?? (tensors.get("transformer.wte.weight")?.dtype === "F64" ? "float64" : "float32");
    // Missing tensors, wrong shapes, unknown names: said by the model, prefixed with the file.
    const model = fromFile(path, "GPT.fromParameters", () => GPT.fromParameters(config, tensors, { dtype }));
    const tokenizer = vocabOf(file, path, config);
    model.tokenizer = tokenizer;
    return { model, tokenizer, metadata: file.metadata };
  } catch (error) {
    throw new RangeError(`${fn}: ${(error as Error).message}`);
  }
}

function vocabOf(file: Safetensors, source: string, config: GPTConfig): CharTokenizer | undefined {
  const text = file.metadata.vocab;
  if (text === undefined) return undefined;
  let chars: unknown;
  try {
    chars = JSON.parse(text);
  } catch {
    throw new RangeError(`${source}: metadata vocab is not JSON (a JSON array of characters): ${text.slice(0, 80)}`);
  }
  const tokenizer = fromFile(source, "metadata vocab", () => new CharTokenizer(chars as string[]));
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new RangeError(`${source}: metadata vocab has ${tokenizer.vocabSize} characters, the config a vocabulary of ${config.vocabSize}`);
  }
  return tokenizer;
}
