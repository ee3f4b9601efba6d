// The shape of a GPT: nanoGPT's GPTConfig, plus TheLittleBaby's choice of where the LayerNorm sits.
import { requireOptions } from "../core/options.js";

export type Norm = "pre" | "post";

export interface GPTConfig {
  /** Number of distinct tokens (65 characters for Shakespeare). */
  vocabSize: number;
  /** The longest context, in tokens: the number of learned positions. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Width of every token's vector, C; split evenly among the heads. */
  nEmbd: number;
  /** Share of values dropped in training, where nanoGPT drops: embeddings, attention weights, residual branches. */
  dropout: number;
  /** Biases in the linear layers and LayerNorms (nanoGPT's bias=True), or none. */
  bias: boolean;
  /** "pre": x + f(LN(x)), as GPT-2 and nanoGPT; "post": LN(x + f(x)), as the original Transformer. */
  norm: Norm;
}

/** nanoGPT's CPU recipe (config/train_shakespeare_char.py with its CPU overrides), vocabulary aside. */
export const GPT_DEFAULTS: Omit<GPTConfig, "vocabSize"> = { blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, norm: "pre" };

const SPEC = {
  vocabSize: { kind: "integer", min: 1 },
  blockSize: { kind: "integer", min: 1 },
  nLayer: { kind: "integer", min: 1 },
  nHead: { kind: "integer", min: 1 },
  nEmbd: { kind: "integer", min: 1 },
  dropout: { kind: "finite", min: 0, less: 1 },
  bias: "boolean",
  norm: ["pre", "post"],
} as const;

/** A checked config: the defaults filled in; vocabSize is required. */
export function gptConfig(options: Partial<GPTConfig> & { vocabSize: number }): GPTConfig {
  return checkConfig("gptConfig", options);
}

/** gptConfig for fn (GPT.create, GPT.fromParameters): its errors name fn. */
export function checkConfig(fn: string, options: Partial<GPTConfig> & { vocabSize: number }): GPTConfig {
  if (options === undefined || options === null) throw new TypeError(`${fn}: a config is required, e.g. gptConfig({ vocabSize: 65 })`);
  requireOptions(fn, options, SPEC, "{ vocabSize: 65 }");
  if (options.vocabSize === undefined) throw new TypeError(`${fn}: vocabSize is required (the number of distinct tokens), e.g. { vocabSize: 65 }`);
  const config: GPTConfig = { ...GPT_DEFAULTS, ...stripUndefined(options) } as GPTConfig;
  if (config.nEmbd % config.nHead !== 0) throw new RangeError(`${fn}: nEmbd ${config.nEmbd} is not divisible by nHead ${config.nHead}`);
  return config;
}

function stripUndefined(options: object): object {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
