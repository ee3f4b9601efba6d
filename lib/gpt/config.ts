// The shape of a GPT: nanoGPT's GPTConfig, plus TheLittleBaby's choices of where the LayerNorm sits, of the
// attention (heads side by side, or a mixture of heads) and of the network (one MLP, or a mixture of experts).
import { requireOptions } from "../core/options.js";

export type Norm = "pre" | "post";
export type Attention = "mha" | "moh";
export type Network = "mlp" | "moe";

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
  /**
   * "moh": a mixture of heads (layers/mixtureOfHeads.ts): the heads' outputs summed with a per-token gate instead
   * of side by side. Absent means "mha", nanoGPT's attention (a checked config leaves the defaults out, so that
   * every model and checkpoint from before these options is unchanged).
   */
  attention?: Attention;
  /** "moe": a mixture of experts (layers/mixtureOfExperts.ts) in place of the MLP. Absent means "mlp". */
  network?: Network;
  /** With network "moe": the number of experts (default 4). */
  nExperts?: number;
  /** With network "moe": each token goes to its k best experts only (sparse). Absent: every expert runs on every token (dense). */
  expertTopK?: number;
  /** With a sparse "moe": the load-balancing loss's weight in what backward differentiates (default 0.01). */
  auxLossWeight?: number;
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
  attention: ["mha", "moh"],
  network: ["mlp", "moe"],
  nExperts: { kind: "integer", min: 2 },
  expertTopK: { kind: "integer", min: 1 },
  auxLossWeight: { kind: "finite", min: 0 },
} as const;

const MOE_DEFAULTS = { nExperts: 4, auxLossWeight: 0.01 };

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
  return withMixtures(fn, config);
}

// The mixture options, checked against each other; the defaults ("mha", "mlp") left out.
function withMixtures(fn: string, config: GPTConfig): GPTConfig {
  const { attention, network, nExperts, expertTopK, auxLossWeight, ...rest } = config;
  const moe = network === "moe";
  if (!moe) {
    for (const [name, value] of [["nExperts", nExperts], ["expertTopK", expertTopK]] as const) {
      if (value !== undefined) throw new RangeError(`${fn}: ${name} ${value} is an option of network "moe" (a mixture of experts); this config's network is "mlp"`);
    }
  }
  if (auxLossWeight !== undefined && !(moe && expertTopK !== undefined)) {
    throw new RangeError(`${fn}: auxLossWeight ${auxLossWeight} weighs the load-balancing loss of a sparse mixture of experts (network "moe" with expertTopK); this config has none`);
  }
  const checked: GPTConfig = { ...rest };
  if (attention === "moh") checked.attention = "moh";
  if (!moe) return checked;
  checked.network = "moe";
  checked.nExperts = nExperts ?? MOE_DEFAULTS.nExperts;
  if (expertTopK === undefined) return checked;
  if (expertTopK > checked.nExperts) throw new RangeError(`${fn}: expertTopK ${expertTopK} is more than nExperts ${checked.nExperts}`);
  checked.expertTopK = expertTopK;
  checked.auxLossWeight = auxLossWeight ?? MOE_DEFAULTS.auxLossWeight;
  return checked;
}

function stripUndefined(options: object): object {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
