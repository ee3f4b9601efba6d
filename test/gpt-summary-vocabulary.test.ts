// model.summary() as a table of layers; the vocabulary a checkpoint keeps without being asked, and what generate
// says about a checkpoint that has none.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CharTokenizer, GPT, TextDataset, dataPath, generate, gptConfig, readCheckpoint, saveCheckpoint, train } from "../lib/index.js";

describe("GPT.summary", () => {
  it("lists every layer with its kind, shapes and parameters, the tied head, and the total", () => {
    const model = GPT.create(gptConfig({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4, bias: true, norm: "post" }), { dtype: "float64" });
    expect(model.summary()).toBe(
      [
        "GPT: 1 layer, 1 head, 4 wide, context 4, vocabulary 5, post-norm, biases, dropout 0, float64",
        "layer                        kind                      shapes                         parameters",
        "-".repeat(96),
        "transformer.wte              Embedding(5, 4)           (5, 4)                                 20",
        "transformer.wpe              Embedding(4, 4)           (4, 4)                                 16",
        "transformer.h.0.ln_1         LayerNorm(4)              (4) + (4)                               8",
        "transformer.h.0.attn.c_attn  Linear(4, 12)             (12, 4) + (12)                         60",
        "transformer.h.0.attn.c_proj  Linear(4, 4)              (4, 4) + (4)                           20",
        "transformer.h.0.ln_2         LayerNorm(4)              (4) + (4)                               8",
        "transformer.h.0.mlp.c_fc     Linear(4, 16)             (16, 4) + (16)                         80",
        "transformer.h.0.mlp.c_proj   Linear(16, 4)             (4, 16) + (4)                          68",
        "transformer.ln_f             LayerNorm(4)              (4) + (4)                               8",
        "lm_head                      Linear(4, 5, bias=False)  transformer.wte.weight (tied)           0",
        "-".repeat(96),
        "total                                                                                        288",
        "(nanoGPT's get_num_params() leaves out the position embeddings: 272)",
      ].join("\n"),
    );
  });

  it("counts the committed model's 804,096 parameters, nanoGPT's 0.80M", () => {
    const lines = readCheckpoint(dataPath("shakespeare-char.safetensors")).model.summary().split("\n");
    expect(lines[0]).toBe("GPT: 4 layers, 4 heads, 128 wide, context 64, vocabulary 65, pre-norm, no biases, dropout 0, float32");
    expect(lines).toHaveLength(34); // header, column names, 2 rules, total, note, 28 layers: wte, wpe, 4 x 6, ln_f, lm_head
    expect(lines[6]).toBe("transformer.h.0.attn.c_attn  Linear(128, 384, bias=False)  (384, 128)                         49,152");
    expect(lines[32]).toMatch(/^total +804,096$/);
    expect(lines[33]).toBe("(nanoGPT's get_num_params() leaves out the position embeddings: 795,904)");
  });
});

describe("the vocabulary of a checkpoint", () => {
  const folder = mkdtempSync(join(tmpdir(), "vocabulary-"));
  const text = "to be or not to be, that is the question\n";

  it("is stored without the tokenizer option after train, which attaches its dataset's to the model", async () => {
    const dataset = TextDataset.fromText(text.repeat(20));
    const model = GPT.create(gptConfig({ vocabSize: dataset.vocabSize, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 8 }), { seed: 1 });
    expect(model.tokenizer).toBeUndefined();
    await train(model, dataset, { steps: 1, batchSize: 2, evalInterval: 1, evalBatches: 1, warmupSteps: 0 });
    expect(model.tokenizer).toBe(dataset.tokenizer);
    const path = join(folder, "trained.safetensors");
    saveCheckpoint(path, model);
    const loaded = readCheckpoint(path);
    expect(loaded.tokenizer?.chars.join("")).toBe("\n ,abehinoqrstu");
    expect(loaded.model.tokenizer).toBe(loaded.tokenizer);
    // a loaded model saves its vocabulary again by itself
    saveCheckpoint(join(folder, "again.safetensors"), loaded.model);
    expect(readCheckpoint(join(folder, "again.safetensors")).metadata.vocab).toBe(loaded.metadata.vocab);
  });

  it("is missing only when no tokenizer is given or attached, and generate then says so", () => {
    const model = GPT.create(gptConfig({ vocabSize: 15, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 8 }), { seed: 1 });
    const path = join(folder, "bare.safetensors");
    saveCheckpoint(path, model);
    const { model: loaded, tokenizer, metadata } = readCheckpoint(path);
    expect(tokenizer).toBeUndefined();
    expect(metadata.vocab).toBeUndefined();
    expect(() => generate(loaded, tokenizer as unknown as CharTokenizer, "to be", { maxNewTokens: 5 })).toThrow(
      "generate: the tokenizer is undefined, not a CharTokenizer. A checkpoint saved without its vocabulary has none " +
        "(readCheckpoint gives tokenizer undefined): rebuild it from the training text with CharTokenizer.fromText(text)",
    );
    // the option still wins over what is attached
    const given = CharTokenizer.fromText(text);
    loaded.tokenizer = new CharTokenizer([..."abcdefghijklmno"]);
    saveCheckpoint(path, loaded, { tokenizer: given });
    expect(readCheckpoint(path).tokenizer?.chars).toEqual(given.chars);
  });
});
