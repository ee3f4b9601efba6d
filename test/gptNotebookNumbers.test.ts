// The key numbers notebooks 9 to 11 print and their prose states, computed here with the lib.
import { describe, expect, it } from "vitest";
import {
  AdamW,
  CharTokenizer,
  GPT,
  Generator,
  Matrix,
  TextDataset,
  blockSteps,
  crossEntropy,
  diagram,
  forwardSteps,
  gelu,
  gptConfig,
  layerNorm,
  layerNormBackward,
  linearForward,
  parameterMatrix,
  maxAbsDifference,
  readDataText,
} from "../lib/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { notebookOutputs } from "./notebookOutputs.js";
import { repoRoot } from "./runNotebooks.js";

const printed = (name: string) => notebookOutputs(name).join("\n");
/** The notebook's prose: its markdown cells, joined. */
const prose = (name: string): string =>
  (JSON.parse(readFileSync(join(repoRoot, "notebooks", name), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] }).cells
    .filter((cell) => cell.cell_type === "markdown")
    .map((cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source))
    .join("\n");
const f4 = (v: number) => (Math.abs(v) < 5e-5 ? 0 : v).toFixed(4);
const text = readDataText("tinyshakespeare.txt");
const tokenizer = CharTokenizer.fromText(text);
const dataset = TextDataset.fromText(text);
const batch = dataset.getBatch("train", 12, 64, new Generator(1337));
const freshLoss = (): number => GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 }).forward(batch.inputs, 12, 64, { targets: batch.targets }).loss as number;

describe("notebooks 9 to 11 print the lib's numbers", () => {
  it("9: LayerNorm of 'Your', GELU's values, the fresh block's small change, the shapes at C = 128", () => {
    const out = printed("09-transformer-block.ipynb");
    const normed = layerNorm(diagram.x);
    expect(out).toContain(`layerNorm(X), row "Your"          = [${normed.row(0).map(f4).join(", ")}]`);
    expect(out).toContain("[-0.1967, -1.1144, 1.3111]");
    const g = gelu(Matrix.from([[-0.75, 1]])).row(0);
    expect(out).toContain(`GELU(-0.75) = ${f4(g[0])}`);
    expect(out).toContain(`GELU(    1) =  ${f4(g[1])}`);
    expect(f4(g[0])).toBe("-0.1700"); // GELU's lowest point, as the chart's prose says
    const model = GPT.create(gptConfig({ vocabSize: 6, blockSize: 6, nLayer: 1, nHead: 1, nEmbd: 3 }), { seed: 1337, dtype: "float64" });
    const steps = blockSteps(model, 0, diagram.x);
    const change = maxAbsDifference(steps.output, diagram.x).value;
    expect(out).toContain(`largest change from X: ${f4(change)}`);
    expect(change).toBeLessThan(0.01); // "changed in the third decimal at most"
    const hidden = linearForward(normed, { weight: parameterMatrix(model, "transformer.h.0.mlp.c_fc.weight"), bias: null });
    expect(out).toContain(`largest |value| entering GELU: ${f4(Math.max(...Array.from(hidden.data, Math.abs)))}`);
    expect(out).toContain("c_fc (4x wider)                    6x512");
    expect(out).toContain("Q|K|V = LN1(X) W_attn^T (fused)    6x384");
    const post = GPT.create(gptConfig({ vocabSize: 6, blockSize: 6, nLayer: 1, nHead: 1, nEmbd: 3, norm: "post" }), { seed: 1337, dtype: "float64" });
    const row = blockSteps(post, 0, diagram.x).output.row(0);
    expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12); // post-norm rows have mean 0
  });

  it("10: 65 characters, 804,096 parameters, the loss at initialisation near ln 65, the frequencies' entropy", () => {
    const out = printed("10-gpt-forward.ipynb");
    expect(tokenizer.vocabSize).toBe(65);
    expect(out).toContain(`"First Citizen:" -> [${Array.from(tokenizer.encode("First Citizen:")).join(", ")}]`);
    const model = GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 });
    const total = model.parameters.reduce((s, p) => s + p.data.length, 0);
    expect(total).toBe(804_096);
    expect(out).toContain("total: 804,096 numbers");
    expect(out).toContain("MLP (4 blocks)          524,288  65.2%");
    const loss = freshLoss();
    expect(out).toContain(`loss at initialisation: ${loss.toFixed(4)}   ln(65) = 4.1744`);
    expect(Math.abs(loss - Math.log(65))).toBeLessThan(0.02);
    const frequency = new Float64Array(65);
    for (const id of dataset.train) frequency[id] += 1 / dataset.train.length;
    const entropy = -frequency.reduce((s, f) => s + (f > 0 ? f * Math.log(f) : 0), 0);
    expect(out).toContain(`knowing only the characters' frequencies:  ${entropy.toFixed(4)}`);
    const steps = forwardSteps(model, tokenizer.encode("First Citizen:"));
    expect(out).toContain(`ln_f           14x128   standard deviation`);
    expect(steps.logits.shape).toEqual([14, 65]);
    expect(out).toContain("forwardSteps' logits against model.forward's, largest difference: 0");
    const largest = Number(/largest probability in the picture: (\S+)/.exec(out)?.[1]);
    expect(largest).toBeLessThan(0.05); // "none above 0.05"
    expect(prose("10-gpt-forward.ipynb")).toContain("none above 0.05");
  });

  it("11: the gradients by hand, the whole model's check, one AdamW step lowers the loss", () => {
    const out = printed("11-backpropagation.ipynb");
    expect(out).toContain(`loss = -ln p[2] = -ln 0.1033 = ${crossEntropy(Matrix.from([[1.0, -0.5, 0.3, 2.0, 0.0]]), [2]).loss.toFixed(4)}`);
    const dx = layerNormBackward(Matrix.from([[1, 0, 0]]), Matrix.from([diagram.x.row(0)])).dx.row(0);
    expect(out).toContain(`x[0]     ${dx[0].toFixed(10)}`);
    expect(out).toContain(`x[1]    ${dx[1].toFixed(10)}`);
    // The eight relative differences of the whole model's check, each under 1e-7 ("7 digits or more").
    const relatives = [...out.matchAll(/^transformer\.\S+\s+\d+\s+\S+\s+\S+\s+(\S+)$/gm)].map((m) => Number(m[1]));
    expect(relatives).toHaveLength(8);
    for (const r of relatives) expect(r).toBeLessThan(1e-7);
    const model = GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 });
    const before = model.forward(batch.inputs, 12, 64, { targets: batch.targets }).loss as number;
    model.zeroGrad();
    model.backward();
    const size = (name: string) => Math.sqrt(Array.from(model.parameter(name).grad).reduce((s, v) => s + v * v, 0));
    const first = size("transformer.h.0.mlp.c_fc.weight"), last = size("transformer.h.3.mlp.c_fc.weight");
    expect(first).toBeGreaterThanOrEqual(last); // "the first block ... gets no less than the last"
    expect(out).toContain(`block 0: attention c_attn ${size("transformer.h.0.attn.c_attn.weight").toFixed(4)}, MLP c_fc ${first.toFixed(4)}`);
    new AdamW(model.parameters, { lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.1 }).step();
    const after = model.forward(batch.inputs, 12, 64, { targets: batch.targets }).loss as number;
    expect(after).toBeLessThan(before);
    expect(out).toContain(`loss before the step: ${before.toFixed(4)}`);
    expect(out).toContain(`loss after one step:  ${after.toFixed(4)}   (lower by ${(before - after).toFixed(4)})`);
    const step = /below it: every batch from step (\d+) on/.exec(out)?.[1];
    expect(prose("11-backpropagation.ipynb")).toContain(`From step ${step} on, every batch's loss is below`);
    expect(prose("11-backpropagation.ipynb")).toContain(`Raising x[0] raises the first output by ${dx[0].toFixed(2)} per unit`);
  });
});
