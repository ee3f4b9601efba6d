// The character tokenizer and the dataset: nanoGPT's shakespeare_char vocabulary, split and batches, number for number.
import { describe, expect, it } from "vitest";
import { CharTokenizer, Generator, TextDataset, estimateLoss, readDataText } from "../lib/index.js";

const shakespeare = readDataText("tinyshakespeare.txt");

describe("CharTokenizer", () => {
  it("has the 65 characters of Shakespeare, sorted as prepare.py sorts them", () => {
    const tokenizer = CharTokenizer.fromText(shakespeare);
    expect(tokenizer.vocabSize).toBe(65);
    expect(tokenizer.chars.join("")).toBe("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
  });

  it("encodes to the ids nanoGPT gives and decodes back", () => {
    const tokenizer = CharTokenizer.fromText(shakespeare);
    expect(Array.from(tokenizer.encode("ou, trib"))).toEqual([53, 59, 6, 1, 58, 56, 47, 40]);
    expect(tokenizer.decode([13, 52, 45, 43, 50, 53, 8, 0])).toBe("Angelo.\n");
    expect(tokenizer.decode(tokenizer.encode(shakespeare.slice(0, 500)))).toBe(shakespeare.slice(0, 500));
  });

  it("sorts by code point, beyond the 16-bit range too (as Python's sorted)", () => {
    expect(CharTokenizer.fromText("b\u{1F600}a\uFFFDa").chars).toEqual(["a", "b", "\uFFFD", "\u{1F600}"]);
    expect(Array.from(CharTokenizer.fromText("b\u{1F600}a").encode("\u{1F600}ab"))).toEqual([2, 0, 1]);
  });

  it("names a character it has never seen and where it is, escaping control characters", () => {
    const tokenizer = CharTokenizer.fromText(shakespeare);
    expect(() => tokenizer.encode("Hello, world")).not.toThrow();
    expect(() => tokenizer.encode("Caf\u00e9")).toThrow('CharTokenizer.encode: character "\u00e9" (U+00E9) at position 3 is not in the vocabulary of 65 characters');
    expect(() => tokenizer.encode("a\tb")).toThrow('character "\\t" (U+0009) at position 1');
    expect(() => tokenizer.encode("ab\u0007")).toThrow('character "\\u0007" (U+0007) at position 2');
  });

  it("names an id outside the vocabulary, and a vocabulary with a repeat", () => {
    const tokenizer = new CharTokenizer(["a", "b"]);
    expect(() => tokenizer.decode([0, 2])).toThrow("CharTokenizer.decode: token id 2 at position 1 is outside [0, 2)");
    expect(() => new CharTokenizer(["a", "b", "a"])).toThrow('CharTokenizer: "a" (U+0061) appears twice in the vocabulary (ids 0 and 2)');
    expect(() => new CharTokenizer(["ab"])).toThrow('vocabulary entry 0 is "ab", not one character');
  });
});

describe("TextDataset", () => {
  const dataset = TextDataset.fromText(shakespeare);

  it("splits 90% / 10% as prepare.py (int(n * 0.9))", () => {
    expect(shakespeare.length).toBe(1115393);
    expect(dataset.train.length).toBe(1003853);
    expect(dataset.val.length).toBe(111540);
    expect(dataset.vocabSize).toBe(65);
  });

  it("picks the windows torch.randint picks after torch.manual_seed(1337), targets shifted by one", () => {
    const generator = new Generator(1337);
    const { inputs, targets, batchSize, blockSize } = dataset.getBatch("train", 4, 8, generator);
    expect([batchSize, blockSize]).toEqual([4, 8]);
    // x and y printed by PyTorch 1.13 for ix = torch.randint(len(train) - 8, (4,)) = [77170, 236647, 935582, 561895].
    expect(Array.from(inputs)).toEqual([53, 59, 6, 1, 58, 56, 47, 40, 49, 43, 43, 54, 1, 47, 58, 1, 13, 52, 45, 43, 50, 53, 8, 0, 1, 39, 1, 46, 53, 59, 57, 43]);
    expect(Array.from(targets)).toEqual([59, 6, 1, 58, 56, 47, 40, 59, 43, 43, 54, 1, 47, 58, 1, 58, 52, 45, 43, 50, 53, 8, 0, 26, 39, 1, 46, 53, 59, 57, 43, 0]);
    const val = dataset.getBatch("val", 2, 8, generator);
    expect(dataset.tokenizer.decode(val.inputs)).toBe("e is the,\nThis f");
  });

  it("refuses a window longer than the split, a bad split and a bad size", () => {
    const small = TextDataset.fromText("abcdefghijklmnopqrst");
    expect(small.train.length).toBe(18);
    expect(small.val.length).toBe(2);
    expect(() => small.getBatch("val", 1, 2, new Generator(1))).toThrow("TextDataset.getBatch: the val split has 2 tokens, it needs more than blockSize 2");
    expect(() => small.getBatch("test" as "val", 1, 2, new Generator(1))).toThrow('split "test" must be "train" or "val"');
    expect(() => small.getBatch("train", 0, 2, new Generator(1))).toThrow("TextDataset.getBatch: batchSize must be a positive integer, got number 0");
    expect(() => TextDataset.fromText("abc", { trainFraction: 1.5 })).toThrow("TextDataset.fromText: option trainFraction must be in [0, 1], got 1.5");
  });
});

describe("estimateLoss", () => {
  const dataset = TextDataset.fromText(shakespeare);
  // A model that predicts every token with the same probability: its loss is ln(V) on any batch.
  const uniformModel = {
    config: { blockSize: 16, vocabSize: 65 },
    seen: [] as number[][],
    forward(tokens: ArrayLike<number>, batch: number, time: number, options?: { targets?: ArrayLike<number> }) {
      this.seen.push([tokens[0], batch, time, options?.targets?.length ?? -1]);
      return { loss: Math.log(65) };
    },
  };

  it("averages the loss over fixed seeded batches of the validation split", () => {
    expect(estimateLoss(uniformModel, dataset, { batches: 3, batchSize: 2, seed: 7 })).toBeCloseTo(Math.log(65), 15);
    const first = uniformModel.seen.splice(0);
    expect(first.map(([, b, t, n]) => [b, t, n])).toEqual([[2, 16, 32], [2, 16, 32], [2, 16, 32]]);
    estimateLoss(uniformModel, dataset, { batches: 3, batchSize: 2, seed: 7 });
    expect(uniformModel.seen.splice(0)).toEqual(first);
    const expected = dataset.getBatch("val", 2, 16, new Generator(7)).inputs[0];
    expect(first[0][0]).toBe(expected);
  });

  it("refuses an unknown option and a loss that is not a number", () => {
    expect(() => estimateLoss(uniformModel, dataset, { batch: 2 } as object)).toThrow('estimateLoss: unknown option "batch"');
    const broken = { config: { blockSize: 4, vocabSize: 65 }, forward: () => ({ loss: NaN }) };
    expect(() => estimateLoss(broken, dataset, { batches: 1 })).toThrow("estimateLoss: the loss of val batch 0 is NaN");
  });
});
