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
  sameAsInputWeights,
  selfAttention,
} from "../lib/index.js";
import { notebookOutputs, notebookProse } from "./notebookOutputs.js";

const printed = (name: string) => notebookOutputs(name).join("\n");
const prose = notebookProse;
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
    // The Try it cell: grow multiplies W_Q and W_K; pre-norm moves the input by about 0.03, post-norm by about 2.9,
    // and post-norm's heads stay even at any grow (they read the tiny embeddings, not LN1's rows of size 1).
    const tryBlock = (norm: "pre" | "post", grow: number, nEmbd = 64) => {
      const m = GPT.create(gptConfig({ vocabSize: 6, blockSize: 6, nEmbd: nEmbd, nHead: 4, norm: norm }), { seed: 7 });
      const qkv = m.parameter("transformer.h.0.attn.c_attn.weight").data;
      for (let k = 0; k < 2 * nEmbd * nEmbd; k++) qkv[k] *= grow;
      return blockSteps(m, 0, forwardSteps(m, [0, 1, 2, 3, 4, 5]).embedding);
    };
    /** How far head 0's visible weights are from the even 1/(i + 1). */
    const unevenness = (block: ReturnType<typeof blockSteps>) =>
      Math.max(...block.weights[0].toArray().flatMap((w, i) => w.slice(0, i + 1).map((v) => Math.abs(v - 1 / (i + 1)))));
    const pre = tryBlock("pre", 5);
    expect(out).toContain(`largest change from the block's input: ${f4(maxAbsDifference(pre.output, pre.input).value)}`);
    expect(f4(maxAbsDifference(pre.output, pre.input).value)).toMatch(/^0\.03/);
    const postTry = tryBlock("post", 10);
    expect(maxAbsDifference(postTry.output, postTry.input).value.toFixed(1)).toBe("2.9");
    const fresh = tryBlock("pre", 1);
    expect(unevenness(postTry)).toBeLessThan(0.02);
    expect(unevenness(fresh)).toBeLessThan(0.02); // "within 0.02 at this width"
    const wideFresh = unevenness(tryBlock("pre", 1, 512));
    expect(wideFresh).toBeGreaterThan(0.05);
    expect(wideFresh).toBeLessThan(0.1); // "within about 0.1 at nEmbd 512"
    expect(Math.max(...pre.weights[0].data)).toBeGreaterThan(0.4); // grow 5 sharpens a pre-norm head
    expect(prose("09-transformer-block.ipynb")).toContain("jumps from about 0.03 to about 2.9");
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
    // Order: without a mask a swap of Your and step only swaps the outputs (notebook 5); with the causal mask and no
    // positions it changes them, so the mask alone already sees some order, though not distance.
    const order = [5, 1, 2, 3, 4, 0];
    const swapped = Matrix.from(order.map((i) => diagram.x.row(i)));
    const unswap = (m: Matrix) => Matrix.from(diagram.tokens.map((_, i) => m.row(order.indexOf(i))));
    const plain = (x: Matrix, causal: boolean) => selfAttention(x, sameAsInputWeights(3), { causal: causal }).output;
    expect(maxAbsDifference(unswap(plain(swapped, false)), plain(diagram.x, false)).value).toBeLessThan(1e-12);
    expect(maxAbsDifference(unswap(plain(swapped, true)), plain(diagram.x, true)).value).toBeGreaterThan(0.4);
    expect(prose("10-gpt-forward.ipynb")).toContain("Attention without a mask treats a shuffled");
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
    // The parts of each input's gradient: directly, through the mean, through the deviation r.
    const xs = diagram.x.row(0);
    const mu = xs.reduce((a, b) => a + b, 0) / 3;
    const r = 1 / Math.sqrt(xs.reduce((s, v) => s + (v - mu) ** 2, 0) / 3 + 1e-5);
    const viaDeviation = xs.map((v) => (-(xs[0] - mu) * (v - mu) * r ** 3) / 3);
    expect(viaDeviation.map((v) => v.toFixed(2))).toEqual(["-0.04", "-0.24", "0.28"]);
    expect((-r / 3).toFixed(2)).toBe("-1.09");
    expect(dx[2].toFixed(2)).toBe("-0.81");
    for (const c of [0, 1, 2]) expect(out).toContain(`${viaDeviation[c].toFixed(4).padStart(24)}${dx[c].toFixed(4).padStart(10)}`);
    expect(prose("11-backpropagation.ipynb")).toContain("through the deviation (-0.24)");
    expect(prose("11-backpropagation.ipynb")).toContain("but the deviation gives some back (+0.28)");
  });
});
