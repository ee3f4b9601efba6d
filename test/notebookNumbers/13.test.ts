// Notebook 13, generation and looking inside: what the committed checkpoint does (what it expects next, greedy loops,
// what its heads and embeddings show), computed here with the lib.
import { describe, expect, it } from "vitest";
import { attentionMaps, dataPath, estimateLoss, generate, gptConfig, nextTokenLogits, nextTokenProbabilities, parameterShapes, readCheckpoint, splitLoss, tokenEmbeddings } from "../../lib/index.js";
import { printed, prose, shakespeare } from "./shared.js";

describe("Notebook 13, generation and looking inside", { timeout: 600_000 }, () => {
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

  it("measures every head over 150 validation windows: the last three characters in every layer, two word-start heads in layer 1", () => {
    const out = printed("13-generation.ipynb");
    const { dataset } = shakespeare();
    const sums = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => ({ self: 0, previous: 0, lastThree: 0, start: 0, rows: 0, inWords: 0 })));
    for (let w = 0; w < 150; w++) {
      const ids = dataset.val.subarray(w * 64, (w + 1) * 64);
      const window = tokenizer!.decode(ids);
      const wordStart = (i: number) => Math.max(window.lastIndexOf(" ", i - 1), window.lastIndexOf("\n", i - 1));
      attentionMaps(model, ids).forEach((layer, l) => layer.forEach((m, h) => {
        const s = sums[l][h];
        for (let i = 1; i < 64; i++) {
          s.self += m.get(i, i);
          s.previous += m.get(i, i - 1);
          s.lastThree += m.get(i, i) + m.get(i, i - 1) + (i > 1 ? m.get(i, i - 2) : 0);
          s.rows++;
          if (wordStart(i) >= 0) { s.start += m.get(i, wordStart(i)); s.inWords++; }
        }
      }));
    }
    expect(sums[0][0].rows).toBe(9450);
    expect(out).toContain("9,450 positions, 9,010 of them with a word start in their window");
    const f2 = (v: number) => v.toFixed(2);
    sums.forEach((layer, l) => layer.forEach((s, h) => {
      expect(out).toContain(`${String(l).padStart(5)} ${String(h).padStart(4)}   ${f2(s.self / s.rows).padStart(6)}  ${f2(s.previous / s.rows).padStart(8)}  ${f2(s.lastThree / s.rows).padStart(10)}  ${f2(s.start / s.inWords).padStart(10)}`);
    }));
    const range = (l: number) => [Math.min(...sums[l].map((s) => s.lastThree / s.rows)), Math.max(...sums[l].map((s) => s.lastThree / s.rows))].map(f2).join(" to ");
    expect([0, 1, 2, 3].map(range)).toEqual(["0.36 to 0.70", "0.18 to 0.66", "0.56 to 0.61", "0.29 to 0.48"]);
    const text = prose("13-generation.ipynb");
    for (const r of ["layer 0 (0.36 to 0.70)", "(0.18 to 0.66, 0.56 to 0.61)", "(0.29 to 0.48)"]) expect(text).toContain(r);
    const byStart = sums.flatMap((layer, l) => layer.map((s, h) => ({ l: l, h: h, start: s.start / s.inWords }))).sort((a, b) => b.start - a.start);
    expect(byStart.slice(0, 2).map((r) => `${r.l}.${r.h} ${f2(r.start)}`)).toEqual(["1.1 0.44", "1.0 0.36"]);
    expect(text).toContain("0.44 and 0.36 on average");
    // On the 21-character prompt the same two heads give 0.51 and 0.52.
    const lookedAt = "ROMEO:\nBut soft, what";
    const maps = attentionMaps(model, tokenizer!.encode(lookedAt));
    const wordStart = (i: number) => Math.max(lookedAt.lastIndexOf(" ", i - 1), lookedAt.lastIndexOf("\n", i - 1));
    const inWords = [...lookedAt].map((_, i) => i).slice(1).filter((i) => wordStart(i) >= 0);
    const onPrompt = (h: number) => f2(inWords.reduce((s, i) => s + maps[1][h].get(i, wordStart(i)), 0) / inWords.length);
    expect([onPrompt(1), onPrompt(0)]).toEqual(["0.51", "0.52"]);
    expect(text).toContain("(0.51 and 0.52 there)");
  });

  it("states what 1.9230 measures: 20 fixed batches (other seeds 1.901 to 1.931), 1.912 on the whole validation split", () => {
    const { dataset } = shakespeare();
    expect(JSON.parse(metadata.training)).toMatchObject({ evalBatches: 20, batchSize: 12, blockSize: 64, evalSeed: 1337 });
    expect(estimateLoss(model, dataset).toFixed(4)).toBe("1.9230");
    const others = Array.from({ length: 10 }, (_, k) => estimateLoss(model, dataset, { seed: k + 1 }));
    expect([Math.min(...others), Math.max(...others)].map((v) => v.toFixed(3))).toEqual(["1.901", "1.931"]);
    const whole = splitLoss(model, dataset);
    expect(whole.targets).toBe(dataset.val.length - 1);
    expect(whole.loss.toFixed(4)).toBe("1.9123");
    expect(printed("13-generation.ipynb")).toContain("the whole validation split, windows side by side: 1.9123 over 111,539 characters");
    const text = prose("13-generation.ipynb");
    expect(text).toContain("1.901 to\n1.931");
    expect(text).toContain("the loss is 1.8905"); // splitLoss(model, dataset, { minContext: 32 }): 1.89046, computed once (about 2x the time of the above)
    expect(text).toContain("compare 1.88 with 1.9230 and with 1.912, not with 1.8905");
    expect(() => splitLoss(model, dataset, { minContext: 64 })).toThrow("splitLoss: minContext 64 must be below blockSize 64");
    expect(() => splitLoss(model, dataset, { blockSize: 65 })).toThrow("splitLoss: blockSize 65 is longer than the model's context 64");
    expect(() => splitLoss(model, dataset, { windows: 3 } as never)).toThrow(/splitLoss/);
  });

  it("shows the arithmetic of 'about 1.7 days' for nanoGPT's GPU recipe at this lib's speed", () => {
    const multiplying = (c: ReturnType<typeof gptConfig>) => parameterShapes(c).filter((p) => p.name !== "transformer.wpe.weight").reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
    expect(multiplying(model.config)).toBe(804_096 - 64 * 128);
    const large = gptConfig({ vocabSize: 65, nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256 });
    expect(multiplying(large)).toBe(10_646_784); // nanoGPT prints "number of parameters: 10.65M" (position embeddings left out)
    const perToken = 6 * multiplying(large) + 6 * 6 * 256 * 384;
    const seconds = (5000 * 64 * 256 * perToken) / (7500 * (6 * multiplying(model.config) + 6 * 4 * 64 * 128));
    expect((seconds / 86400).toFixed(1)).toBe("1.7");
    expect(printed("13-generation.ipynb")).toContain(`= ${Math.round(seconds).toLocaleString("en-US")} s = 1.7 days`);
    expect(prose("13-generation.ipynb")).toContain("it would take about 1.7 days");
  });

  it("offers the readable float64 loops: the checkpoint read as float64 gives the float32 model's probabilities", () => {
    expect(prose("13-generation.ipynb")).toContain('`readCheckpoint(path, { dtype: "float64" })`');
    const wide = readCheckpoint(dataPath("shakespeare-char.safetensors"), { dtype: "float64" }).model;
    expect(wide.dtype).toBe("float64");
    const ids = tokenizer!.encode("ROMEO:\nWhat is th");
    const a = nextTokenProbabilities(nextTokenLogits(model, ids)), b = nextTokenProbabilities(nextTokenLogits(wide, ids));
    expect(Math.max(...Array.from(a, (p, k) => Math.abs(p - b[k])))).toBeLessThan(1e-5);
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
