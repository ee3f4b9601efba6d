// The GPT's learnable tensors under nanoGPT's state_dict names and PyTorch's shapes, row-major, and their init.
import type { DType, MatrixData } from "../core/matrix.js";
import { Generator, normalFill } from "../core/random.js";
import type { GPTConfig } from "./config.js";

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
    add(`${h}.attn.c_attn.weight`, [3 * C, C]);
    add(`${h}.attn.c_attn.bias`, [3 * C], true);
    add(`${h}.attn.c_proj.weight`, [C, C]);
    add(`${h}.attn.c_proj.bias`, [C], true);
    add(`${h}.ln_2.weight`, [C]);
    add(`${h}.ln_2.bias`, [C], true);
    add(`${h}.mlp.c_fc.weight`, [4 * C, C]);
    add(`${h}.mlp.c_fc.bias`, [4 * C], true);
    add(`${h}.mlp.c_proj.weight`, [C, 4 * C]);
    add(`${h}.mlp.c_proj.bias`, [C], true);
  }
  add("transformer.ln_f.weight", [C]);
  add("transformer.ln_f.bias", [C], true);
  return list;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

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
  const { vocabSize: V, blockSize, nLayer, nEmbd: C, bias } = config;
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const draws = (count: number): void => {
    for (let i = 0; i < count; i++) generator.nextUint32();
  };
  const linearConstruction = (inputs: number, outputs: number, hasBias: boolean): void => draws(inputs * outputs + (hasBias ? outputs : 0));
  // 1. construction
  normalFill(new Float32Array(V * C), { generator });
  normalFill(new Float32Array(blockSize * C), { generator });
  for (let i = 0; i < nLayer; i++) {
    linearConstruction(C, 3 * C, bias);
    linearConstruction(C, C, bias);
    linearConstruction(C, 4 * C, bias);
    linearConstruction(4 * C, C, bias);
  }
  linearConstruction(C, V, false); // lm_head
  // 2. _init_weights; 3. the residual projections
  const normal = (name: string, std: number): void => {
    const p = byName.get(name) as Parameter;
    p.data.set(normalFill(new Float32Array(p.data.length), { std, generator }));
  };
  const wte = "transformer.wte.weight";
  normal(wte, 0.02);
  normal("transformer.wpe.weight", 0.02);
  const linears = (i: number): string[] => ["attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"].map((l) => `transformer.h.${i}.${l}.weight`);
  for (let i = 0; i < nLayer; i++) for (const name of linears(i)) normal(name, 0.02);
  normal(wte, 0.02);
  for (const p of parameters) if (p.name.endsWith("c_proj.weight")) normal(p.name, 0.02 / Math.sqrt(2 * nLayer));
}
