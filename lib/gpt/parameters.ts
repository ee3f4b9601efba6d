// The GPT's learnable tensors under nanoGPT's state_dict names and PyTorch's shapes, row-major, and their init.
import type { DType, MatrixData } from "../core/matrix.js";
import { Generator, normalFill } from "../core/random.js";
import { checkConfig, type GPTConfig } from "./config.js";

/** A flat row-major tensor of the model's dtype (the lib's MatrixData). */
export type Float = MatrixData;

export interface Parameter {
  /** nanoGPT's name, e.g. "transformer.h.0.attn.c_attn.weight". */
  name: string;
  /** PyTorch's shape: nn.Linear weights are (out, in). */
  shape: number[];
  data: Float;
  /** The gradient of the loss; backward adds into it, zeroGrad clears it. */
  grad: Float;
}

/** Names and shapes in nanoGPT's named_parameters() order (lm_head.weight is transformer.wte.weight, tied). */
export function parameterShapes(config: GPTConfig): { name: string; shape: number[] }[] {
  checkConfig("parameterShapes", config);
  const { vocabSize: V, blockSize, nLayer, nEmbd: C, bias } = config;
  const list: { name: string; shape: number[] }[] = [];
  const add = (name: string, shape: number[], isBias = false): void => {
    if (!isBias || bias) list.push({ name, shape });
  };
  add("transformer.wte.weight", [V, C]);
  add("transformer.wpe.weight", [blockSize, C]);
  for (let i = 0; i < nLayer; i++) {
    const h = `transformer.h.${i}`;
    add(`${h}.ln_1.weight`, [C]);
    add(`${h}.ln_1.bias`, [C], true);
    const linears = (attention: boolean): void => {
      for (const l of blockLinears(config, attention)) {
        list.push({ name: `${h}.${l.name}.weight`, shape: [l.outputs, l.inputs] });
        if (l.hasBias) list.push({ name: `${h}.${l.name}.bias`, shape: [l.outputs] });
      }
    };
    linears(true);
    add(`${h}.ln_2.weight`, [C]);
    add(`${h}.ln_2.bias`, [C], true);
    linears(false);
  }
  add("transformer.ln_f.weight", [C]);
  add("transformer.ln_f.bias", [C], true);
  return list;
}

interface BlockLinear {
  /** Under transformer.h.{l}., without .weight / .bias. */
  name: string;
  outputs: number;
  inputs: number;
  hasBias: boolean;
}

/**
 * A block's nn.Linear layers in module order: the attention's (attention = true), else the network's. With
 * attention "moh" the gate g_proj (nHead, C, no bias) follows c_attn, and c_proj reads the mixed head (hs wide);
 * with network "moe" the gate (nExperts, C, no bias) comes first, then each expert's c_fc and c_proj.
 */
function blockLinears(config: GPTConfig, attention: boolean): BlockLinear[] {
  const { nEmbd: C, nHead, bias } = config;
  const linear = (name: string, outputs: number, inputs: number, hasBias = bias): BlockLinear => ({ name, outputs, inputs, hasBias });
  if (attention) {
    if (config.attention !== "moh") return [linear("attn.c_attn", 3 * C, C), linear("attn.c_proj", C, C)];
    return [linear("attn.c_attn", 3 * C, C), linear("attn.g_proj", nHead, C, false), linear("attn.c_proj", C, C / nHead)];
  }
  const mlp = (prefix: string): BlockLinear[] => [linear(`${prefix}.c_fc`, 4 * C, C), linear(`${prefix}.c_proj`, C, 4 * C)];
  if (config.network !== "moe") return mlp("mlp");
  const E = config.nExperts as number;
  return [linear("mlp.gate", E, C, false), ...Array.from({ length: E }, (_, e) => mlp(`mlp.experts.${e}`)).flat()];
}

/**
 * nanoGPT's init, draw for draw, so that GPT.create with a seed equals torch.manual_seed(seed); GPT(config):
 * 1. construction, in module order: each nn.Embedding draws normal(0, 1), each nn.Linear draws kaiming-uniform
 *    weights and uniform biases (all overwritten below, but they move the generator);
 * 2. _init_weights, in module order: embeddings and linear weights normal(0, 0.02), biases 0; lm_head comes last
 *    and, being the same tensor as wte, gives wte its final values;
 * 3. every c_proj weight again, normal(0, 0.02 / sqrt(2 nLayer)): the residual branches start small.
 * The draws are float32, as PyTorch's default dtype; a float64 model gets the same numbers widened.
 */
export function initParameters(parameters: Parameter[], config: GPTConfig, generator: Generator): void {
  const { vocabSize: V, blockSize, nLayer, nEmbd: C } = config;
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const draws = (count: number): void => {
    for (let i = 0; i < count; i++) generator.nextUint32();
  };
  const linearConstruction = (inputs: number, outputs: number, hasBias: boolean): void => draws(inputs * outputs + (hasBias ? outputs : 0));
  // 1. construction
  normalFill(new Float32Array(V * C), { generator });
  normalFill(new Float32Array(blockSize * C), { generator });
  const linears = [...blockLinears(config, true), ...blockLinears(config, false)];
  for (let i = 0; i < nLayer; i++) for (const l of linears) linearConstruction(l.inputs, l.outputs, l.hasBias);
  linearConstruction(C, V, false); // lm_head
  // 2. _init_weights; 3. the residual projections
  const normal = (name: string, std: number): void => {
    const p = byName.get(name) as Parameter;
    p.data.set(normalFill(new Float32Array(p.data.length), { std, generator }));
  };
  const wte = "transformer.wte.weight";
  normal(wte, 0.02);
  normal("transformer.wpe.weight", 0.02);
  for (let i = 0; i < nLayer; i++) for (const l of linears) normal(`transformer.h.${i}.${l.name}.weight`, 0.02);
  normal(wte, 0.02);
  for (const p of parameters) if (p.name.endsWith("c_proj.weight")) normal(p.name, 0.02 / Math.sqrt(2 * nLayer));
}
