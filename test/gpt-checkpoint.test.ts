// Checkpoints: PyTorch's files load here with PyTorch's logits, ours round-trip to the bit, broken ones say what is wrong.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CharTokenizer,
  GPT,
  generate,
  gptConfig,
  nextTokenProbabilities,
  loadCheckpoint,
  readCheckpoint,
  readSafetensors,
  saveCheckpoint,
  writeSafetensors,
  type StoredTensor,
} from "../lib/index.js";
import { maxDifference } from "./helpers/maxDifference.js";

const fixtures = join(import.meta.dirname, "fixtures", "gpt");
// Written by scripts/checkpoint_roundtrip.py --fixture: nanoGPT-architecture models in PyTorch 1.13, their
// state_dicts (lm_head.weight and the attn.bias causal masks included) and their float64 logits on one batch.
const expected = JSON.parse(readFileSync(join(fixtures, "pytorch-logits.json"), "utf8")) as Record<
  string,
  {
    tokens: number[];
    targets: number[];
    batch: number;
    time: number;
    logits: number[];
    loss: number;
    greedy: { prompt: string; text: string };
    sampling: { temperature: number; topK: number; probabilities: number[] };
  }
>;
const dir = mkdtempSync(join(tmpdir(), "checkpoint-"));

describe("checkpoints written by PyTorch", () => {
  for (const [name, config] of [
    ["pytorch-pre-bias.safetensors", { nLayer: 2, nHead: 2, bias: true, norm: "pre" }],
    ["pytorch-post.safetensors", { nLayer: 1, nHead: 4, bias: false, norm: "post" }],
  ] as const) {
    const case_ = expected[name];

    it(`${name}: the config and characters from the metadata, PyTorch's logits to 1e-12 in float64`, () => {
      const { model, tokenizer, metadata } = readCheckpoint(join(fixtures, name), { dtype: "float64" });
      expect(model.config).toEqual({ vocabSize: 65, blockSize: 8, nEmbd: 16, dropout: 0, ...config });
      expect(tokenizer?.decode(case_.tokens.slice(0, 8))).toBe("First Ci");
      expect(Object.keys(metadata).sort()).toEqual(["config", "vocab"]);
      const { logits, loss } = model.forward(case_.tokens, case_.batch, case_.time, { targets: case_.targets });
      expect(maxDifference(logits, case_.logits)).toBeLessThan(1e-12);
      expect(Math.abs((loss as number) - case_.loss)).toBeLessThan(1e-12);
    });

    it(`${name}: in float32, PyTorch's float64 logits to 1e-5`, () => {
      const model = loadCheckpoint(join(fixtures, name), { dtype: "float32" });
      expect(model.dtype).toBe("float32");
      expect(maxDifference(model.forward(case_.tokens, case_.batch, case_.time).logits, case_.logits)).toBeLessThan(1e-5);
    });
  }

  for (const name of ["pytorch-pre-bias.safetensors", "pytorch-post.safetensors"]) {
    it(`${name}: writes nanoGPT's greedy text (prompt cropped to the context) and samples from PyTorch's distribution`, () => {
      const { model, tokenizer } = readCheckpoint(join(fixtures, name), { dtype: "float64" });
      const { greedy, sampling } = expected[name];
      expect(generate(model, tokenizer as CharTokenizer, greedy.prompt, { maxNewTokens: 20, greedy: true })).toBe(greedy.text);
      const context = (tokenizer as CharTokenizer).encode(greedy.prompt.slice(-8));
      const last = model.forward(context, 1, 8).logits.slice(7 * 65);
      const probabilities = nextTokenProbabilities(last, { temperature: sampling.temperature, topK: sampling.topK });
      expect(probabilities.filter((p) => p > 0).length).toBe(5);
      expect(maxDifference(probabilities, sampling.probabilities)).toBeLessThan(1e-12);
    });
  }

  it("takes the dtype of the file unless told (F64 -> float64, F32 -> float32)", () => {
    expect(loadCheckpoint(join(fixtures, "pytorch-pre-bias.safetensors")).dtype).toBe("float64");
    expect(loadCheckpoint(join(fixtures, "pytorch-post.safetensors")).dtype).toBe("float32");
  });

  it("reads a file without a config from its shapes, given the number of heads", () => {
    const { tensors } = readSafetensors(join(fixtures, "pytorch-pre-bias.safetensors"));
    const bare = join(dir, "bare.safetensors");
    writeSafetensors(bare, tensors);
    expect(() => loadCheckpoint(bare)).toThrow(`${bare}: the metadata has no config, so give the number of heads, e.g. { nHead: 4 }`);
    const model = loadCheckpoint(bare, { nHead: 2 });
    expect(model.config).toEqual({ vocabSize: 65, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true, norm: "pre" });
    const case_ = expected["pytorch-pre-bias.safetensors"];
    expect(maxDifference(model.forward(case_.tokens, 2, 8).logits, case_.logits)).toBeLessThan(1e-12);
  });
});

describe("saveCheckpoint then loadCheckpoint", () => {
  const tokenizer = CharTokenizer.fromText("hello world, said the GPT\n");
  const config = gptConfig({ vocabSize: tokenizer.vocabSize, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8, bias: true, norm: "post" });

  for (const dtype of ["float32", "float64"] as const) {
    it(`round-trips a ${dtype} model to the bit: every parameter, the logits, the config and the characters`, () => {
      const model = GPT.create(config, { seed: 5, dtype });
      const path = join(dir, `${dtype}.safetensors`);
      saveCheckpoint(path, model, { tokenizer, metadata: { step: "0" } });
      const back = readCheckpoint(path);
      expect(back.model.dtype).toBe(dtype);
      expect(back.model.config).toEqual(config);
      expect(back.tokenizer?.chars).toEqual(tokenizer.chars);
      expect(back.metadata.step).toBe("0");
      expect(back.metadata.format).toBe("thelittlebaby-gpt");
      expect(back.model.parameters.map((p) => p.name)).toEqual(model.parameters.map((p) => p.name));
      back.model.parameters.forEach((p, k) => {
        expect(p.shape).toEqual(model.parameters[k].shape);
        expect(p.data).toEqual(model.parameters[k].data);
      });
      const tokens = tokenizer.encode("hello wo");
      const ours = Array.from(model.forward(tokens, 1, 8).logits);
      expect(Array.from(back.model.forward(tokens, 1, 8).logits)).toEqual(ours);
    });
  }

  it("writes nanoGPT's names and PyTorch's shapes, and no lm_head (tied to wte)", () => {
    const path = join(dir, "names.safetensors");
    saveCheckpoint(path, GPT.create(config, { seed: 1 }));
    const { tensors } = readSafetensors(path);
    expect(tensors.get("transformer.h.0.attn.c_attn.weight")?.shape).toEqual([24, 8]);
    expect(tensors.get("transformer.h.1.mlp.c_proj.weight")?.shape).toEqual([8, 32]);
    expect(tensors.get("transformer.wte.weight")?.shape).toEqual([tokenizer.vocabSize, 8]);
    expect(tensors.has("lm_head.weight")).toBe(false);
    expect(tensors.size).toBe(2 + 2 * 12 + 2);
  });

  it("refuses metadata keys it writes itself, a tokenizer of another size, and a NaN weight", () => {
    const model = GPT.create(config, { seed: 1 });
    const path = join(dir, "refused.safetensors");
    expect(() => saveCheckpoint(path, model, { metadata: { config: "{}" } })).toThrow("saveCheckpoint: metadata config is written by saveCheckpoint itself");
    expect(() => saveCheckpoint(path, model, { tokenizer: new CharTokenizer(["a"]) })).toThrow(
      `saveCheckpoint: the tokenizer has 1 characters, the model a vocabulary of ${tokenizer.vocabSize}`,
    );
    model.parameter("transformer.h.1.ln_2.bias").data[3] = NaN;
    expect(() => saveCheckpoint(path, model)).toThrow("saveCheckpoint: transformer.h.1.ln_2.bias holds NaN at index 3");
  });
});

describe("broken checkpoints", () => {
  const source = readSafetensors(join(fixtures, "pytorch-post.safetensors"));

  /** The fixture with its tensors changed by `edit`, written to a new file. */
  function variant(name: string, edit: (tensors: Map<string, StoredTensor>) => void): string {
    const tensors = new Map(source.tensors);
    edit(tensors);
    const path = join(dir, name);
    writeSafetensors(path, tensors, source.metadata);
    return path;
  }

  it("names a missing tensor and its shape", () => {
    const path = variant("missing.safetensors", (t) => t.delete("transformer.h.0.mlp.c_fc.weight"));
    expect(() => loadCheckpoint(path)).toThrow(`${path}: GPT.fromParameters: tensor transformer.h.0.mlp.c_fc.weight (64, 16) is missing`);
  });

  it("names a tensor of the wrong shape with both shapes", () => {
    const path = variant("shape.safetensors", (t) => t.set("transformer.wpe.weight", { dtype: "F32", shape: [16, 8], data: new Float32Array(128) }));
    expect(() => loadCheckpoint(path)).toThrow(`${path}: GPT.fromParameters: tensor transformer.wpe.weight has shape (16, 8), the config needs (8, 16)`);
  });

  it("names an unknown tensor", () => {
    const path = variant("unknown.safetensors", (t) => t.set("transformer.h.1.ln_1.weight", { dtype: "F32", shape: [16], data: new Float32Array(16) }));
    expect(() => loadCheckpoint(path)).toThrow(`${path}: GPT.fromParameters: unknown tensor transformer.h.1.ln_1.weight`);
  });

  it("accepts lm_head.weight only equal to wte, and attn.bias only as the causal mask", () => {
    const head = variant("head.safetensors", (t) => {
      const wte = t.get("transformer.wte.weight") as StoredTensor;
      const data = Float32Array.from(wte.data);
      data[0] += 1;
      t.set("lm_head.weight", { ...wte, data });
    });
    expect(() => loadCheckpoint(head)).toThrow("lm_head.weight differs from transformer.wte.weight");
    const mask = variant("mask.safetensors", (t) => t.set("transformer.h.0.attn.bias", { dtype: "F32", shape: [1, 1, 8, 8], data: new Float32Array(64).fill(1) }));
    expect(() => loadCheckpoint(mask)).toThrow(`${mask}: transformer.h.0.attn.bias (1, 1, 8, 8) is not the causal mask (1, 1, 8, 8) nanoGPT saves there`);
  });

  it("names a truncated file and the tensor it cuts", () => {
    const bytes = readFileSync(join(fixtures, "pytorch-post.safetensors"));
    const path = join(dir, "truncated.safetensors");
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    expect(() => loadCheckpoint(path)).toThrow(new RegExp(`^loadCheckpoint: ${path}: tensor transformer\\.wte\\.weight: data_offsets \\[\\d+, \\d+\\] run past the end of the data`));
    writeFileSync(path, bytes.subarray(0, 6));
    expect(() => loadCheckpoint(path)).toThrow(`${path}: 6 bytes is too short for a .safetensors file (truncated?)`);
  });

  it("refuses options that contradict the file's config, and unknown options", () => {
    const path = join(fixtures, "pytorch-post.safetensors");
    expect(() => loadCheckpoint(path, { nHead: 2 })).toThrow(`${path}: the checkpoint's config has nHead 4, the options ask for 2`);
    expect(() => loadCheckpoint(path, { dtyp: "float64" } as object)).toThrow('loadCheckpoint: unknown option "dtyp"');
  });
});
