// model.summary(): the model's layers as a table, each with its kind (in PyTorch's words), the shapes of its tensors
// and its number of parameters, read from the parameter list itself, so that any layer the model has is listed.
import { tensorShapeText } from "../core/shape.js";
import type { GPT } from "./model.js";

const count = (n: number): string => n.toLocaleString("en-US");
const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

/** What a layer is, from its name and its weight's shape: nn.Embedding, a LayerNorm, nn.Linear. */
function kindOf(layer: string, weight: readonly number[], hasBias: boolean): string {
  if (/\.(wte|wpe)$/.test(layer)) return `Embedding(${weight.join(", ")})`;
  if (weight.length === 1) return `LayerNorm(${weight[0]}${hasBias ? "" : ", bias=False"})`;
  if (weight.length === 2) return `Linear(${weight[1]}, ${weight[0]}${hasBias ? "" : ", bias=False"})`;
  return `Tensor${tensorShapeText(weight)}`;
}

/**
 * One row per layer in nanoGPT's order (name, kind, shapes, parameters), the tied LM head, and the total. The
 * header says the config; the footer also gives nanoGPT's count, which leaves out the position embeddings.
 */
export function modelSummary(model: GPT): string {
  const { config, dtype } = model;
  const layers = new Map<string, { weight?: readonly number[]; shapes: string[]; size: number; bias: boolean }>();
  for (const { name, shape, data } of model.parameters) {
    const dot = name.lastIndexOf(".");
    const layer = name.slice(0, dot), role = name.slice(dot + 1);
    const entry = layers.get(layer) ?? { shapes: [], size: 0, bias: false };
    if (role === "weight") entry.weight = shape;
    if (role === "bias") entry.bias = true;
    entry.shapes.push(tensorShapeText(shape));
    entry.size += data.length;
    layers.set(layer, entry);
  }
  const rows: string[][] = [["layer", "kind", "shapes", "parameters"]];
  for (const [layer, { weight, shapes, size, bias }] of layers) rows.push([layer, weight === undefined ? "" : kindOf(layer, weight, bias), shapes.join(" + "), count(size)]);
  const wte = model.parameter("transformer.wte.weight").shape;
  rows.push(["lm_head", `Linear(${wte[1]}, ${wte[0]}, bias=False)`, "transformer.wte.weight (tied)", "0"]);
  const total = model.parameters.reduce((sum, p) => sum + p.data.length, 0);
  const positions = model.parameter("transformer.wpe.weight").data.length;
  rows.push(["total", "", "", count(total)]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd();
  const rule = "-".repeat(widths.reduce((a, b) => a + b + 2, -2));
  const { attention, network, nExperts, expertTopK } = config;
  const experts = network === "moe" ? ` (${nExperts} experts, ${expertTopK === undefined ? "dense" : `top ${expertTopK}`})` : "";
  const header =
    `GPT: ${plural(config.nLayer, "layer")}, ${plural(config.nHead, "head")}, ${config.nEmbd} wide, context ${config.blockSize}, vocabulary ${config.vocabSize}, ` +
    `${config.norm}-norm, ${config.bias ? "biases" : "no biases"}, dropout ${config.dropout}${attention ? `, attention ${attention}` : ""}${network ? `, network ${network}${experts}` : ""}, ${dtype}`;
  return [
    header,
    line(rows[0]),
    rule,
    ...rows.slice(1, -1).map(line),
    rule,
    line(rows[rows.length - 1]),
    `(nanoGPT's get_num_params() leaves out the position embeddings: ${count(total - positions)})`,
  ].join("\n");
}
