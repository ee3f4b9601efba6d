// Notebook 10, the whole GPT forward: the key numbers it prints and its prose states, computed here with the lib.
import { describe, expect, it } from "vitest";
import { diagram, estimateLoss, forwardSteps, Generator, GPT, gptConfig, Matrix, maxAbsDifference, sameAsInputWeights, selfAttention } from "../../lib/index.js";
import { printed, prose, shakespeare } from "./shared.js";

const { tokenizer, dataset } = shakespeare();
const batch = dataset.getBatch("train", 12, 64, new Generator(1337));
const freshLoss = (): number => GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 }).forward(batch.inputs, 12, 64, { targets: batch.targets }).loss as number;

describe("Notebook 10, the whole GPT forward", { timeout: 600_000 }, () => {
  it("65 characters, 804,096 parameters, the loss at initialisation near ln 65, the frequencies' entropy", () => {
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
    expect(prose("10-gpt-forward.ipynb")).toContain("None is above 0.05");
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

  it("blocks 1 to 3 are not block 0's tensors: same names and shapes, their own values", () => {
    const model = GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 });
    const a = model.parameter("transformer.h.0.mlp.c_fc.weight"), b = model.parameter("transformer.h.1.mlp.c_fc.weight");
    expect(b.shape).toEqual(a.shape);
    expect(maxAbsDifference(new Matrix(512, 128, Float64Array.from(a.data)), new Matrix(512, 128, Float64Array.from(b.data))).value).toBeGreaterThan(0.05);
    expect(printed("10-gpt-forward.ipynb")).toContain("(blocks 1 to 3: tensors of the same names and shapes as block 0's, each with its own values)");
  });

  it("weight tying: the fresh model's likeliest guess is the character just read, and its average loss is below ln 65", () => {
    const out = printed("10-gpt-forward.ipynb");
    const model = GPT.create(gptConfig({ vocabSize: 65 }), { seed: 1337 });
    const V = 65;
    // "First Citizen:": 12 of the 14 rows peak on the row's own character.
    const ids = tokenizer.encode("First Citizen:");
    const logits = forwardSteps(model, ids).logits;
    const peaks = Array.from(ids).filter((id, t) => { const row = logits.row(t); return row.indexOf(Math.max(...row)) === id; }).length;
    expect(peaks).toBe(12);
    expect(out).toContain("rows whose likeliest next character is the character just read: 12 of 14");
    // The batch's logit spread 0.256; without each row's own character 0.225, the estimate sqrt(128) x 0.02 = 0.226.
    const all = model.forward(batch.inputs, 12, 64).logits;
    const others = Array.from(all).filter((_, k) => k % V !== batch.inputs[Math.floor(k / V)]);
    const sd = (a: number[]) => { const m = a.reduce((x, y) => x + y, 0) / a.length; return Math.sqrt(a.reduce((x, y) => x + (y - m) ** 2, 0) / a.length); };
    expect(sd(Array.from(all)).toFixed(3)).toBe("0.256");
    expect(sd(others).toFixed(3)).toBe("0.225");
    expect(out).toContain("the same without each row's current character: standard deviation 0.225");
    // Over 100 training batches: 4.1707 < ln 65; the own logit about 1 above the row's mean; the true character is
    // the current one at 2.4% of positions. The four parts sum to loss - ln 65.
    const average = estimateLoss(model, dataset, { batches: 100, split: "train", seed: 1337 });
    expect(average.toFixed(4)).toBe("4.1707");
    expect(average).toBeLessThan(Math.log(65));
    expect(out).toContain(`average loss over 100 batches: ${average.toFixed(4)}   ln(65) = 4.1744`);
    expect(out).toContain("the current character's own logit: 0.97 above its row's mean; the likeliest guess at 97.1% of positions");
    const parts = [...out.matchAll(/^(?:the curvature|the true character|it is).*?([+-]\d\.\d{4})$/gm)].map((m) => Number(m[1]));
    expect(parts).toHaveLength(4);
    expect(Math.abs(parts.reduce((a, b) => a + b, 0) - (average - Math.log(65)))).toBeLessThan(3e-4); // rounding of four printed parts
    expect(out).toContain("the true character is the current one (2.4%)");
    let repeats = 0;
    for (let i = 0; i + 1 < dataset.train.length; i++) if (dataset.train[i] === dataset.train[i + 1]) repeats++;
    expect((100 * repeats / (dataset.train.length - 1)).toFixed(1)).toBe("2.4");
    expect(prose("10-gpt-forward.ipynb")).toContain("at about 2.4% of positions");
    expect(prose("10-gpt-forward.ipynb")).toContain("every row but the first and the space's");
    expect(estimateLoss(model, dataset, {}).toFixed(4)).toBe("4.1640");
    expect(prose("10-gpt-forward.ipynb")).toContain("(4.1640, on 20 other\nbatches)");
  });
});
