// Notebook 13, generation and looking inside: what the committed checkpoint does (what it expects next, greedy loops,
// what its heads and embeddings show), computed here with the lib.
import { describe, expect, it } from "vitest";
import { attentionMaps, dataPath, generate, nextTokenLogits, nextTokenProbabilities, readCheckpoint, tokenEmbeddings } from "../../lib/index.js";

describe("Notebook 13, generation and looking inside", { timeout: 120_000 }, () => {
  const { model, tokenizer, metadata } = readCheckpoint(dataPath("shakespeare-char.safetensors"));
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
