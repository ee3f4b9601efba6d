// Sampling: temperature, top-k and greedy as nanoGPT's generate, seeded, cropped to the context, streamed.
import { describe, expect, it } from "vitest";
import { CharTokenizer, Generator, generate, generateTokens, manualSeed, nextTokenProbabilities, sampleToken } from "../lib/index.js";

describe("nextTokenProbabilities", () => {
  it("is the softmax of logits / temperature", () => {
    const p = nextTokenProbabilities([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 15);
    expect(p[1]).toBeCloseTo(0.75, 15);
    // Temperature 0.5 squares the odds: 1 : 9.
    const sharp = nextTokenProbabilities([0, Math.log(3)], { temperature: 0.5 });
    expect(sharp[0]).toBeCloseTo(0.1, 15);
  });

  it("keeps the top k logits, ties with the k-th included (as logits < v[-1] -> -inf)", () => {
    const p = nextTokenProbabilities([1, 2, 2, 3, 0], { topK: 2 });
    const z = 2 * Math.exp(2) + Math.exp(3);
    expect(Array.from(p).map((x) => +x.toFixed(12))).toEqual([0, Math.exp(2) / z, Math.exp(2) / z, Math.exp(3) / z, 0].map((x) => +x.toFixed(12)));
    expect(Array.from(nextTokenProbabilities([5, 1], { topK: 1 }))).toEqual([1, 0]);
    // k beyond the vocabulary means all of it, as min(top_k, V).
    expect(nextTokenProbabilities([1, 2], { topK: 10 })[0]).toBeGreaterThan(0);
  });

  it("refuses temperature <= 0 (pointing to greedy), topK < 1 and NaN logits", () => {
    expect(() => nextTokenProbabilities([1, 2], { temperature: 0 })).toThrow(
      "nextTokenProbabilities: temperature 0 must be > 0; for the most likely token every time, use greedy: true",
    );
    expect(() => nextTokenProbabilities([1, 2], { topK: 0 })).toThrow("nextTokenProbabilities: topK 0 must be at least 1");
    expect(() => nextTokenProbabilities([1, NaN])).toThrow("nextTokenProbabilities: logit 1 is NaN");
    expect(() => nextTokenProbabilities([-Infinity, -Infinity])).toThrow("nextTokenProbabilities: the largest logit is -Infinity");
  });
});

describe("sampleToken", () => {
  it("draws token 0 exactly when the generator's double falls below its probability", () => {
    const a = new Generator(42);
    const b = new Generator(42);
    const draws = Array.from({ length: 200 }, () => sampleToken([0, Math.log(3)], { generator: a }));
    expect(draws).toEqual(Array.from({ length: 200 }, () => (b.nextDouble() < 0.25 ? 0 : 1)));
    const zeros = draws.filter((t) => t === 0).length;
    expect(zeros).toBeGreaterThan(30);
    expect(zeros).toBeLessThan(70);
  });

  it("takes the first most likely token when greedy, drawing nothing", () => {
    const generator = new Generator(1);
    expect(sampleToken([0.5, 2, 2, -1], { greedy: true, generator })).toBe(1);
    expect(generator.nextUint32()).toBe(new Generator(1).nextUint32());
    expect(() => sampleToken([1, 2], { greedy: true, temperature: 0.8 })).toThrow("greedy decoding takes the most likely token");
    expect(() => sampleToken([1, 2], { topk: 3 } as object)).toThrow('sampleToken: unknown option "topk"');
  });

  it("draws from the shared defaultGenerator when given none, as every draw-once function does", () => {
    manualSeed(5);
    const drawn = Array.from({ length: 20 }, () => sampleToken([0, 0, 0, 0]));
    const generator = new Generator(5);
    expect(drawn).toEqual(Array.from({ length: 20 }, () => sampleToken([0, 0, 0, 0], { generator })));
    expect(new Set(drawn).size).toBeGreaterThan(1);
  });
});

describe("generateTokens", () => {
  // Logits that make "the token after the last one, mod 5" likely, and record each context seen.
  function counting(contexts: number[][]) {
    return (context: Int32Array) => {
      contexts.push(Array.from(context));
      const logits = new Float64Array(5);
      logits[(context[context.length - 1] + 1) % 5] = 10;
      return logits;
    };
  }

  it("extends the prompt greedily, each step seeing at most blockSize tokens", () => {
    const contexts: number[][] = [];
    const heard: number[] = [];
    const tokens = generateTokens(counting(contexts), [0, 1, 2], 4, { maxNewTokens: 4, greedy: true, onToken: (t) => heard.push(t) });
    expect(Array.from(tokens)).toEqual([0, 1, 2, 3, 4, 0, 1]);
    expect(heard).toEqual([3, 4, 0, 1]);
    expect(contexts).toEqual([[0, 1, 2], [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 0]]);
  });

  it("gives the same tokens for the same seed and others for another", () => {
    const flat = () => new Float64Array(5);
    const run = (seed: number) => Array.from(generateTokens(flat, [0], 8, { maxNewTokens: 30, seed }));
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    const generator = new Generator(3);
    expect(Array.from(generateTokens(flat, [0], 8, { maxNewTokens: 30, generator }))).toEqual(run(3));
  });

  it("refuses an empty prompt, a missing length, a seed beside a generator", () => {
    const flat = () => new Float64Array(5);
    expect(() => generateTokens(flat, [], 8, { maxNewTokens: 3 })).toThrow("generateTokens: the prompt is empty");
    expect(() => generateTokens(flat, [1], 8, {} as { maxNewTokens: number })).toThrow("generateTokens: maxNewTokens is required");
    expect(() => generateTokens(flat, [1], 8, { maxNewTokens: 3, seed: 1, generator: new Generator(1) })).toThrow("give a generator or a seed, not both");
    expect(() => generateTokens(flat, [1], 8, { maxNewTokens: 3, temperature: -1 })).toThrow("generateTokens: temperature -1 must be > 0");
  });
});

describe("generate", () => {
  const tokenizer = new CharTokenizer(["\n", "a", "b", "c"]);
  // A model whose next character is always the one after the last, cyclically: a -> b -> c -> \n -> a.
  const model = {
    config: { blockSize: 3, vocabSize: 4 },
    forward(tokens: ArrayLike<number>, batch: number, time: number) {
      const logits = new Float32Array(batch * time * 4);
      for (let t = 0; t < time; t++) logits[t * 4 + ((tokens[t] + 1) % 4)] = 5;
      return { logits };
    },
  };

  it("streams each character to onToken and returns the prompt and the new text", () => {
    let streamed = "";
    const text = generate(model, tokenizer, "ab", { maxNewTokens: 5, greedy: true, onToken: (s) => (streamed += s) });
    expect(text).toBe("abc\nabc");
    expect(streamed).toBe("c\nabc");
  });

  it("names a prompt character the tokenizer has never seen", () => {
    expect(() => generate(model, tokenizer, "abz", { maxNewTokens: 1 })).toThrow('character "z" (U+007A) at position 2 is not in the vocabulary of 4 characters');
  });

  it("refuses an unknown option, naming generate", () => {
    expect(() => generate(model, tokenizer, "a", { maxNewTokens: 1, top_k: 3 } as object as { maxNewTokens: number })).toThrow('generate: unknown option "top_k"');
  });

  it("refuses a tokenizer whose size is not the model's vocabulary", () => {
    expect(() => generate(model, new CharTokenizer(["a", "b"]), "a", { maxNewTokens: 1 })).toThrow(
      "generate: the tokenizer has 2 characters, the model a vocabulary of 4",
    );
  });
});
