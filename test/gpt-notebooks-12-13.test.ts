// The numbers notebooks 12 and 13 state in their prose: the data, the model, the budget, TheLittleBaby's runs, and
// what the committed checkpoint does (what it expects next, greedy loops, what its heads and embeddings show).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GPT, TextDataset, attentionMaps, generate, gptConfig, nextTokenLogits, nextTokenProbabilities, readCheckpoint, tokenEmbeddings } from "../lib/index.js";
import { repoRoot } from "./runNotebooks.js";

const text = readFileSync(join(repoRoot, "data/tinyshakespeare.txt"), "utf8");
const dataset = TextDataset.fromText(text);

describe("notebook 12: the data, the model, the budget", () => {
  it("has 1,115,393 characters, 65 distinct, 1,003,853 to train on and 111,540 to validate", () => {
    expect(text.length).toBe(1_115_393);
    expect(dataset.vocabSize).toBe(65);
    expect(dataset.train.length).toBe(1_003_853);
    expect(dataset.val.length).toBe(111_540);
    expect(Math.log(65).toFixed(2)).toBe("4.17");
  });

  it("trains 804,096 parameters on 921,600 tokens, about 2 minutes at 7,500 tokens/s, of a 5-minute budget of about 2,900 steps", () => {
    const model = GPT.create(gptConfig({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 }), { seed: 1337 });
    expect(model.parameters.reduce((n, p) => n + p.data.length, 0)).toBe(804_096);
    const tokensPerStep = 12 * 64;
    expect(1200 * tokensPerStep).toBe(921_600);
    expect((1200 * tokensPerStep) / 7500 / 60).toBeCloseTo(2, 0);
    expect(300 * 7500).toBe(2_250_000);
    expect(Math.round((300 * 7500) / tokensPerStep / 100) * 100).toBe(2900);
    expect(20 * tokensPerStep).toBe(15_360);
  });

  it("quotes TheLittleBaby's 3-month run: 1.958 after 11.6 hours", () => {
    const runs = JSON.parse(readFileSync(join(repoRoot, "data/thelittlebaby-runs.json"), "utf8")).runs;
    const threeMonths = runs.find((r: { age: string }) => r.age === "3mo");
    expect(threeMonths.avg_val_loss.toFixed(3)).toBe("1.958");
    expect((threeMonths.total_time_s / 3600).toFixed(1)).toBe("11.6");
    expect(threeMonths.n_ctx).toBe(8);
  });
});

describe("notebook 13: the committed checkpoint", () => {
  const { model, tokenizer, metadata } = readCheckpoint(join(repoRoot, "data/shakespeare-char.safetensors"));
  const chars = tokenizer!.chars;

  it("is the 4-layer, 4-head, 128-wide model of 65 characters, its samples and losses kept", () => {
    expect(model.config).toMatchObject({ nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, vocabSize: 65 });
    const evaluations = JSON.parse(metadata.evaluations);
    expect(evaluations[0].step).toBe(0);
    expect(evaluations.at(-1).valLoss).toBe(JSON.parse(metadata.training).valLoss);
    expect(evaluations.every((e: { sample: string }) => e.sample.length === 200)).toBe(true);
  });

  it('expects a vowel after "ROMEO:\\nWhat is th", most of all "e"', () => {
    const p = nextTokenProbabilities(nextTokenLogits(model, tokenizer!.encode("ROMEO:\nWhat is th")));
    const ranked = [...p.keys()].sort((a, b) => p[b] - p[a]).map((id) => chars[id]);
    expect(ranked[0]).toBe("e");
    expect(ranked.slice(0, 4).every((c) => "aeiouy".includes(c))).toBe(true);
  });

  it("loops when greedy", () => {
    const greedy = generate(model, tokenizer!, "ROMEO:\n", { maxNewTokens: 300, greedy: true });
    const tail = greedy.slice(-150);
    const period = [...Array(75).keys()].slice(1).find((k) => tail.slice(k) === tail.slice(0, tail.length - k));
    expect(period).toBeDefined();
  });

  it("has layer-0 heads that look at the characters just before, and layer-1 heads that look back at the word's start", () => {
    const lookedAt = "ROMEO:\nBut soft, what";
    const maps = attentionMaps(model, tokenizer!.encode(lookedAt));
    const positions = [...lookedAt].map((_, i) => i).slice(1);
    const wordStart = (i: number) => Math.max(lookedAt.lastIndexOf(" ", i - 1), lookedAt.lastIndexOf("\n", i - 1));
    const inWords = positions.filter((i) => wordStart(i) >= 0);
    const average = (m: (typeof maps)[0][0], rows: number[], column: (i: number) => number) => rows.reduce((s, i) => s + m.get(i, column(i)), 0) / rows.length;
    for (const m of maps[0]) expect(average(m, positions, (i) => i - 1)).toBeGreaterThan(average(m, inWords, wordStart));
    const starts = maps.map((layer) => Math.max(...layer.map((m) => average(m, inWords, wordStart))));
    expect(starts[1]).toBeGreaterThan(0.4);
    expect(starts[1]).toBe(Math.max(...starts));
  });

  it("puts vowels, capitals and punctuation next to their own kind", () => {
    const E = tokenEmbeddings(model);
    const cosine = (i: number, j: number) => {
      const a = E.row(i), b = E.row(j);
      return a.reduce((s, x, k) => s + x * b[k], 0) / Math.hypot(...a) / Math.hypot(...b);
    };
    const nearest = (ch: string) => {
      const i = chars.indexOf(ch);
      return chars.filter((c) => c !== ch).sort((x, y) => cosine(i, chars.indexOf(y)) - cosine(i, chars.indexOf(x)))[0];
    };
    expect("aeiou").toContain(nearest("a"));
    expect("aeiou").toContain(nearest("e"));
    expect(nearest("A")).toMatch(/[A-Z]/);
    expect(nearest("T")).toMatch(/[A-Z]/);
    expect(".,;:!?").toContain(nearest("."));
    expect(".,;:!?").toContain(nearest(","));
  });
});
