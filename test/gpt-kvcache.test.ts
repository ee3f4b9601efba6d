// The KV cache: the same logits as the plain forward of the cropped context at every position (float32 within its
// rounding, float64 to 1e-12), before and past the context, so the same text for the same seed; what it keeps and
// reuses; its errors.
import { afterEach, describe, expect, it, vi } from "vitest";
import { GPT, KVCache, attentionMaps, dataPath, forwardSteps, generate, generateTokens, gptConfig, readCheckpoint, type NextTokenLogits } from "../lib/index.js";

/** The largest |cached - plain| over every position's logits while following the tokens, the context cropped to blockSize. */
function worstDifference(model: GPT, tokens: ArrayLike<number>): number {
  const { blockSize, vocabSize: V } = model.config;
  const cache = new KVCache(model);
  let worst = 0;
  for (let n = 1; n <= tokens.length; n++) {
    const context = Int32Array.from(tokens).subarray(Math.max(0, n - blockSize), n);
    const cached = Float64Array.from(cache.nextTokenLogits(context));
    const T = context.length;
    const plain = model.forward(context, 1, T).logits.subarray((T - 1) * V, T * V);
    for (let i = 0; i < V; i++) worst = Math.max(worst, Math.abs(cached[i] - plain[i]));
  }
  return worst;
}

const tokensOf = (n: number, V: number): number[] => Array.from({ length: n }, (_, i) => (i * 7 + (i >> 2)) % V);

describe("KVCache", () => {
  const committed = readCheckpoint(dataPath("shakespeare-char.safetensors"));
  const tokenizer = committed.tokenizer!;

  it("gives the plain forward's logits in float32 at every position of 150, past the context of 64 too", () => {
    const tokens = tokenizer.encode(
      "ROMEO:\nWhat say you to the morning? I would not be the man that speaks it so;\nBut let the king come, and we shall see who lies, and who keeps his word.",
    );
    expect(tokens.length).toBeGreaterThan(committed.model.config.blockSize * 2);
    const worst = worstDifference(committed.model, tokens);
    expect(worst).toBeGreaterThan(0); // different float32 roundings (one row at a time, another attention kernel)
    expect(worst).toBeLessThan(1e-4);
  }, 120_000);

  for (const norm of ["pre", "post"] as const) {
    it(`agrees to 1e-12 in float64 (${norm}-norm, biases, 3 layers, blockSize 8, 30 positions)`, () => {
      const model = GPT.create(gptConfig({ vocabSize: 13, blockSize: 8, nLayer: 3, nHead: 2, nEmbd: 12, bias: true, norm }), { seed: 3, dtype: "float64" });
      expect(worstDifference(model, tokensOf(30, 13))).toBeLessThan(1e-12);
    });
  }

  for (const [name, mixtures] of [
    ["a mixture of heads", { attention: "moh" }],
    ["a dense mixture of experts", { network: "moe", nExperts: 3 }],
    ["a sparse mixture of experts, top 1 of 3", { network: "moe", nExperts: 3, expertTopK: 1 }],
  ] as const) {
    it(`serves ${name}: float64 to 1e-12 past the context`, () => {
      const model = GPT.create(gptConfig({ vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 3, nEmbd: 12, ...mixtures }), { seed: 4, dtype: "float64" });
      expect(worstDifference(model, tokensOf(20, 13))).toBeLessThan(1e-12);
    });
  }

  it("keeps each position's keys and values: the K and V columns of the plain forward's fused projection", () => {
    const model = GPT.create(gptConfig({ vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 3, nEmbd: 12 }), { seed: 5, dtype: "float64" });
    const tokens = [3, 1, 4, 1, 5, 9];
    const cache = new KVCache(model);
    cache.append(tokens.slice(0, 2));
    for (const t of tokens.slice(2)) cache.append([t]);
    const steps = forwardSteps(model, tokens);
    expect(cache.length).toBe(6);
    expect(Array.from(cache.tokens)).toEqual(tokens);
    for (let l = 0; l < 2; l++) {
      for (let h = 0; h < 3; h++) {
        const keys = cache.keys(l, h), values = cache.values(l, h);
        expect([keys.rows, keys.cols]).toEqual([6, 4]);
        for (let p = 0; p < 6; p++) {
          for (let d = 0; d < 4; d++) {
            expect(keys.get(p, d)).toBeCloseTo(steps.blocks[l].qkv.get(p, 12 + h * 4 + d), 12);
            expect(values.get(p, d)).toBeCloseTo(steps.blocks[l].qkv.get(p, 24 + h * 4 + d), 12);
          }
        }
      }
    }
  });

  it("computes each position once inside the context, and the whole window for every token past it", () => {
    const model = GPT.create(gptConfig({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 }), { seed: 1, dtype: "float64" });
    const cache = new KVCache(model);
    // contexts of 2, 3, 4 tokens: 2 computed, then 1 each reusing 2 and 3
    for (const context of [[1, 2], [1, 2, 3], [1, 2, 3, 4]]) cache.nextTokenLogits(context);
    expect([cache.computed, cache.reused]).toEqual([4, 5]);
    // slid by one: every token moved, nothing reusable; slid again: the same
    cache.nextTokenLogits([2, 3, 4, 0]);
    cache.nextTokenLogits([3, 4, 0, 1]);
    expect([cache.computed, cache.reused]).toEqual([12, 5]);
    // a run of one token slides onto itself: each kept position still holds the same token, so it is reused
    cache.reset();
    cache.nextTokenLogits([2, 2, 2, 2]);
    cache.nextTokenLogits([2, 2, 2, 2]);
    expect([cache.computed, cache.reused]).toEqual([17, 8]);
  });

  it("says what it cannot do", () => {
    const model = GPT.create(gptConfig({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 }), { seed: 1 });
    const cache = new KVCache(model);
    expect(() => new KVCache({} as GPT)).toThrow("KVCache: expected a GPT, got object");
    expect(() => cache.keys(0, 0)).toThrow("KVCache.keys: the cache is empty; append tokens first");
    cache.append([1, 2, 3]);
    expect(() => cache.append([1, 2])).toThrow("KVCache.append: 2 tokens after the 3 kept would pass the context of 4; reset() or keep fewer");
    expect(() => cache.append([])).toThrow("KVCache.append: no tokens");
    expect(() => cache.values(1, 0)).toThrow("KVCache.values: layer 1 is outside [0, 1)");
    expect(() => cache.keys(0, 1)).toThrow("KVCache.keys: head 1 is outside [0, 1)");
    expect(() => cache.nextTokenLogits([1, 2, 3, 4, 0])).toThrow("KVCache.nextTokenLogits: a context of 5 tokens is longer than blockSize 4");
    expect(() => model.forward([1], 1, 1, { cache, targets: [2] })).toThrow("GPT.forward: a KV cache serves generation: no targets, no training");
    expect(() => model.forward([1, 2], 2, 1, { cache })).toThrow("GPT.forward: a KV cache keeps one sequence; batch 2 must be 1");
    expect(() => model.forward([1, 2], 1, 2, { cache })).toThrow("GPT.forward: a sequence of 2 tokens after 3 cached ones is longer than blockSize 4");
    const other = GPT.create(model.config, { seed: 2 });
    expect(() => other.forward([1], 1, 1, { cache })).toThrow("GPT.forward: the KV cache belongs to another model");
    model.forward([1], 1, 1, { cache });
    expect(() => model.attentionWeights(0)).toThrow("GPT.attentionWeights: the last forward used a KV cache, which keeps no (T, T) weights; run forward without one");
    expect(() => model.backward()).toThrow("GPT.backward: needs a forward with targets first");
  });
});

describe("generate with and without the cache", () => {
  const { model, tokenizer } = readCheckpoint(dataPath("shakespeare-char.safetensors"));

  it("writes the same 300 characters for the same seed on the committed model", () => {
    const options = { maxNewTokens: 300, seed: 1337, temperature: 0.8 };
    const cached = generate(model, tokenizer!, "\n", options);
    expect(generate(model, tokenizer!, "\n", { ...options, cache: false })).toBe(cached);
    expect(cached.length).toBe(301);
    expect(cached.slice(0, 40)).toBe(generate(model, tokenizer!, "\n", { ...options, maxNewTokens: 39, cache: true }));
  }, 120_000);

  it("refuses the cache for a model that is not a GPT, and runs it without", () => {
    const logitsOnly = { config: model.config, forward: (tokens: ArrayLike<number>, b: number, t: number) => model.forward(tokens, b, t) };
    expect(() => generate(logitsOnly, tokenizer!, "a", { maxNewTokens: 1, cache: true })).toThrow(
      "generate: the KV cache needs a GPT; give { cache: false } for another model",
    );
    expect(generate(logitsOnly, tokenizer!, "ROMEO:", { maxNewTokens: 20, greedy: true })).toBe(generate(model, tokenizer!, "ROMEO:", { maxNewTokens: 20, greedy: true }));
  });

  it("serves generateTokens as its next function", () => {
    const next: NextTokenLogits = new KVCache(model).nextTokenLogits;
    const plain: NextTokenLogits = (context) => model.forward(context, 1, context.length).logits.subarray((context.length - 1) * 65, context.length * 65);
    const prompt = tokenizer!.encode("KING:");
    expect(Array.from(generateTokens(next, prompt, 64, { maxNewTokens: 80, greedy: true }))).toEqual(
      Array.from(generateTokens(plain, prompt, 64, { maxNewTokens: 80, greedy: true })),
    );
  });
});

describe("a prompt longer than the context", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is kept whole by generate, which reads its last blockSize characters and says so", () => {
    const { model, tokenizer } = readCheckpoint(dataPath("shakespeare-char.safetensors"));
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const long = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n";
    const text = generate(model, tokenizer!, long, { maxNewTokens: 10, greedy: true });
    expect(log.mock.calls).toEqual([["generate: the text has 81 tokens, the context 64: the model reads only the last 64"]]);
    expect(text.startsWith(long)).toBe(true);
    expect(text.slice(long.length)).toBe(generate(model, tokenizer!, long.slice(-64), { maxNewTokens: 10, greedy: true }).slice(64));
  });

  it("gives attentionMaps of the same last blockSize tokens, said the same way", () => {
    const model = GPT.create(gptConfig({ vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 3, nEmbd: 12 }), { seed: 7, dtype: "float64" });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    const maps = attentionMaps(model, tokens);
    expect(log.mock.calls).toEqual([["attentionMaps: the text has 10 tokens, the context 8: the model reads only the last 8"]]);
    expect([maps[1][2].rows, maps[1][2].cols]).toEqual([8, 8]);
    expect(Array.from(maps[1][2].data)).toEqual(Array.from(attentionMaps(model, tokens.slice(2))[1][2].data));
    expect(log.mock.calls.length).toBe(1);
  });
});
