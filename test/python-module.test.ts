// python/thelittlebaby_torch.py, the way out to PyTorch. Its file format half is plain Python and runs here
// (test/helpers/torch_module_format.py, with PyTorch hidden); its PyTorch half wrote the committed fixtures
// (scripts/checkpoint_roundtrip.py --fixture): load() of the lib's checkpoint, a nanoGPT run brought back by
// load() and save(), and a mixture model saved by save().
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpoint, readSafetensors, saveCheckpoint, type CharTokenizer } from "../lib/index.js";
import { maxDifference } from "./helpers/maxDifference.js";

const root = join(import.meta.dirname, "..");
const fixtures = join(root, "test", "fixtures", "gpt");
const files = [
  "data/shakespeare-char.safetensors",
  "test/fixtures/gpt/pytorch-pre-bias.safetensors",
  "test/fixtures/gpt/pytorch-post.safetensors",
  "test/fixtures/gpt/pytorch-nanogpt.safetensors",
  "test/fixtures/gpt/pytorch-mixtures.safetensors",
  "test/fixtures/gpt/reference.safetensors",
  "test/fixtures/gpt/reference-f16.safetensors",
];

interface FileReport {
  reencoded: boolean;
  tensors: [string, string, number[]][];
  metadataKeys: string[];
  config?: Record<string, unknown>;
  configJson?: boolean;
  vocabJson?: boolean;
  firstVector?: [string, number[]];
}
interface Report {
  torch: boolean;
  files: Record<string, FileReport>;
  numbers: string;
  errors: Record<string, string | null>;
  defaults: Record<string, Record<string, unknown>>;
  tokenizer: [number[], string];
}

function runPython(): Report {
  const result = spawnSync("python3", ["test/helpers/torch_module_format.py", ...files], { cwd: root, encoding: "utf8" });
  if (result.error) throw new Error(`python3 is needed for this test (CI has it, for Jupyter): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`test/helpers/torch_module_format.py failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as Report;
}
const report = runPython();

describe("python/thelittlebaby_torch.py without PyTorch: the .safetensors format in plain Python", () => {
  it("imports without PyTorch", () => {
    expect(report.torch).toBe(true);
    expect(report.errors.noTorch).toBe("ModuleNotFoundError: thelittlebaby_torch.load needs PyTorch (pip install torch); the file format functions do not");
  });

  it("decodes then encodes every committed .safetensors file to the same bytes (the lib's, PyTorch's, Hugging Face's)", () => {
    expect(Object.fromEntries(files.map((f) => [f, report.files[f].reencoded]))).toEqual(Object.fromEntries(files.map((f) => [f, true])));
  });

  it("reads the names, dtypes, shapes, metadata and values the lib reads", () => {
    for (const file of files) {
      const { tensors, metadata } = readSafetensors(join(root, file));
      const mine = report.files[file];
      expect(mine.tensors).toEqual([...tensors].map(([name, t]) => [name, t.dtype, t.shape]));
      expect(mine.metadataKeys).toEqual(Object.keys(metadata));
      if (mine.firstVector !== undefined) {
        const [name, values] = mine.firstVector;
        expect(values).toEqual(Array.from(tensors.get(name)!.data));
      }
    }
    expect(report.files["data/shakespeare-char.safetensors"].firstVector?.[0]).toBe("transformer.h.0.ln_1.weight");
  });

  it("writes the config and the characters as the lib's saveCheckpoint does, numbers as JSON.stringify", () => {
    for (const file of ["data/shakespeare-char.safetensors", "test/fixtures/gpt/pytorch-nanogpt.safetensors", "test/fixtures/gpt/pytorch-mixtures.safetensors"]) {
      expect([file, report.files[file].configJson, report.files[file].vocabJson]).toEqual([file, true, true]);
    }
    expect(report.numbers).toBe(JSON.stringify([0.0, -0.0, 1, 0.1, -2.5, 1e-7, 1.5e-7, 0.00001, 123456.0, 1e21, 1e20, 2.5e-300, 1 / 3, 0.01, 3e-3]));
  });

  it("fills the mixtures' defaults as the spec says, and writes only the options that apply", () => {
    const base = { blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, norm: "pre", vocabSize: 65 };
    expect(report.defaults.sparse).toEqual({ ...base, network: "moe", nExperts: 4, expertTopK: 2, auxLossWeight: 0.01 });
    expect(report.defaults.dense).toEqual({ ...base, network: "moe", nExperts: 4 });
    expect(report.defaults.plain).toEqual({ ...base, nLayer: 6, dropout: 0.2 });
  });

  it("says what is wrong with a file, a config or a text", () => {
    expect(report.errors).toEqual({
      truncated:
        "ValueError: cut.safetensors: tensor transformer.wte.weight: data_offsets [3183104, 3216384] run past the end of the data (3216284 bytes after the header): truncated file?",
      short: "ValueError: cut.safetensors: 6 bytes is too short for a .safetensors file (truncated?): it starts with an 8-byte header length",
      header: "ValueError: list.safetensors: the header is not a JSON object",
      dtype: 'ValueError: i32: tensor x has dtype "I32", which this reader does not know (it reads F64, F32, BF16, F16)',
      size: "ValueError: encode_safetensors: tensor x: shape [2] of F64 needs 16 bytes, got 8",
      moeOption: "ValueError: GPTConfig: n_experts 4 is an option of network 'moe', and network is 'mlp'",
      topK: "ValueError: GPTConfig: expert_top_k must be an integer from 1 to n_experts (4), got 5",
      auxDense: "ValueError: GPTConfig: aux_loss_weight 0.1 is an option of a top-k 'moe' (give expert_top_k)",
      unknownOption:
        "ValueError: GPTConfig.from_dict: unknown option 'nLayers' (known: vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias, norm, attention, network, nExperts, expertTopK, auxLossWeight)",
      twice: "ValueError: GPTConfig.from_dict: 'vocab_size' given twice, in the lib's and in nanoGPT's name",
      encode: "ValueError: CharTokenizer.encode: the vocabulary has no 'c', 'd', 'é'",
      noTorch: report.errors.noTorch,
    });
    expect(report.tokenizer).toEqual([[2, 3, 1, 2, 0], "ba \n"]);
  });
});

interface ForwardRecord {
  text: string;
  tokens: number[];
  targets: number[];
  batch: number;
  time: number;
  logits: number[];
  loss: number;
  auxLoss?: number;
}
const records = JSON.parse(readFileSync(join(fixtures, "pytorch-module.json"), "utf8")) as Record<string, ForwardRecord>;

describe("python/thelittlebaby_torch.py with PyTorch (its committed fixtures)", () => {
  it("load() reads the committed checkpoint as the lib does: PyTorch's logits to 1e-12 in float64, 1e-5 in float32", () => {
    const record = records["shakespeare-char.safetensors"];
    expect(record.text).toBe("First Citizen:\nBe");
    for (const [dtype, tolerance] of [["float64", 1e-12], ["float32", 1e-5]] as const) {
      const { model, tokenizer } = readCheckpoint(join(root, "data", "shakespeare-char.safetensors"), { dtype });
      expect(Array.from(tokenizer?.encode(record.text.slice(0, -1)) ?? [])).toEqual(record.tokens);
      const { logits, loss } = model.forward(record.tokens, record.batch, record.time, { targets: record.targets });
      expect(maxDifference(logits, record.logits)).toBeLessThan(tolerance);
      expect(Math.abs((loss as number) - record.loss)).toBeLessThan(tolerance);
    }
  });

  it("a nanoGPT run (ckpt.pt of a compiled model, meta.pkl) comes back through load() and save(): the lib reads it with PyTorch's logits", () => {
    const path = join(fixtures, "pytorch-nanogpt.safetensors");
    const { model, tokenizer, metadata } = readCheckpoint(path);
    expect(model.config).toEqual({ vocabSize: 65, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true, norm: "pre" });
    expect(Object.keys(metadata)).toEqual(["format", "config", "vocab"]);
    const record = records["pytorch-nanogpt.safetensors"];
    const { logits, loss } = readCheckpoint(path, { dtype: "float64" }).model.forward(record.tokens, 1, record.time, { targets: record.targets });
    expect(maxDifference(logits, record.logits)).toBeLessThan(1e-12);
    expect(Math.abs((loss as number) - record.loss)).toBeLessThan(1e-12);
    expect(tokenizer?.decode(record.tokens)).toBe(record.text.slice(0, -1));
  });

  it("save() writes the very bytes the lib's saveCheckpoint writes for the same model", () => {
    const path = join(fixtures, "pytorch-nanogpt.safetensors");
    const { model, tokenizer } = readCheckpoint(path);
    const again = join(mkdtempSync(join(tmpdir(), "python-module-")), "again.safetensors");
    saveCheckpoint(again, model, { tokenizer: tokenizer as CharTokenizer });
    expect(Buffer.compare(readFileSync(again), readFileSync(path))).toBe(0);
  });

  it("save() of a mixture of heads and of experts: the spec's tensor names and shapes, its options in the config", () => {
    const { tensors, metadata } = readSafetensors(join(fixtures, "pytorch-mixtures.safetensors"));
    expect(JSON.parse(metadata.config)).toEqual({
      blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true, norm: "pre", vocabSize: 65,
      attention: "moh", network: "moe", nExperts: 3, expertTopK: 2, auxLossWeight: 0.01,
    });
    const layer = [...tensors].filter(([name]) => name.startsWith("transformer.h.0.")).map(([name, t]) => `${name.slice(16)} ${t.shape.join("x")}`);
    expect(layer).toEqual([
      "attn.c_attn.bias 48", "attn.c_attn.weight 48x16", "attn.c_proj.bias 16", "attn.c_proj.weight 16x8", "attn.g_proj.weight 2x16",
      "ln_1.bias 16", "ln_1.weight 16", "ln_2.bias 16", "ln_2.weight 16",
      ...[0, 1, 2].flatMap((e) => [`mlp.experts.${e}.c_fc.bias 64`, `mlp.experts.${e}.c_fc.weight 64x16`, `mlp.experts.${e}.c_proj.bias 16`, `mlp.experts.${e}.c_proj.weight 16x64`]),
      "mlp.gate.weight 3x16",
    ]);
    expect(records["pytorch-mixtures.safetensors"].auxLoss).toBeGreaterThan(0);
  });

  it("the lib reads save()'s mixture model with PyTorch's logits, losses and characters, and saves the same bytes", () => {
    const path = join(fixtures, "pytorch-mixtures.safetensors");
    const record = records["pytorch-mixtures.safetensors"];
    const { model, tokenizer } = readCheckpoint(path, { dtype: "float64" });
    const { logits, loss, auxLoss } = model.forward(record.tokens, 1, record.time, { targets: record.targets }) as { logits: Float64Array; loss: number; auxLoss: number };
    expect(maxDifference(logits, record.logits)).toBeLessThan(1e-12);
    expect(Math.abs(loss - record.loss)).toBeLessThan(1e-12);
    expect(Math.abs(auxLoss - (record.auxLoss as number))).toBeLessThan(1e-12);
    expect(tokenizer?.decode(record.tokens)).toBe(record.text.slice(0, -1));
    const again = join(mkdtempSync(join(tmpdir(), "python-module-")), "mixtures.safetensors");
    saveCheckpoint(again, readCheckpoint(path).model, { tokenizer: tokenizer as CharTokenizer });
    expect(Buffer.compare(readFileSync(again), readFileSync(path))).toBe(0);
  });
});

describe("test/fixtures/gpt/mixtures.json (scripts/gpt_reference.py): the float64 reference for the mixtures", () => {
  const fixture = JSON.parse(readFileSync(join(fixtures, "mixtures.json"), "utf8")) as {
    cases: { config: Record<string, unknown>; weights: Record<string, { shape: number[] }>; grads: Record<string, number[]>; auxLoss?: number; routes?: number[][]; routingGap?: number | null }[];
  };
  const layer0 = (c: (typeof fixture.cases)[number]) =>
    Object.entries(c.weights).filter(([name]) => name.startsWith("transformer.h.0.")).map(([name, w]) => `${name.slice(16)} ${w.shape.join("x")}`);

  it("holds moh, dense moe and top-k moe, with and without biases, each tensor with its gradient", () => {
    expect(fixture.cases.map((c) => [c.config.attention ?? "mha", c.config.network ?? "mlp", c.config.expertTopK ?? null, c.config.bias, c.config.norm])).toEqual([
      ["moh", "mlp", null, true, "pre"], ["moh", "mlp", null, false, "pre"],
      ["mha", "moe", null, true, "pre"], ["mha", "moe", null, false, "pre"],
      ["mha", "moe", 2, true, "pre"], ["mha", "moe", 2, false, "pre"],
      ["moh", "moe", 1, true, "post"],
    ]);
    for (const c of fixture.cases) expect(Object.keys(c.grads)).toEqual(Object.keys(c.weights));
  });

  it("registers the parameters in the spec's order (nanoGPT's named_parameters), shapes as PyTorch's", () => {
    expect(layer0(fixture.cases[0])).toEqual([
      "ln_1.weight 4", "ln_1.bias 4", "attn.c_attn.weight 12x4", "attn.c_attn.bias 12", "attn.g_proj.weight 2x4", "attn.c_proj.weight 4x2",
      "attn.c_proj.bias 4", "ln_2.weight 4", "ln_2.bias 4", "mlp.c_fc.weight 16x4", "mlp.c_fc.bias 16", "mlp.c_proj.weight 4x16", "mlp.c_proj.bias 4",
    ]);
    expect(layer0(fixture.cases[5])).toEqual([
      "ln_1.weight 4", "attn.c_attn.weight 12x4", "attn.c_proj.weight 4x4", "ln_2.weight 4", "mlp.gate.weight 4x4",
      ...[0, 1, 2, 3].flatMap((e) => [`mlp.experts.${e}.c_fc.weight 16x4`, `mlp.experts.${e}.c_proj.weight 4x16`]),
    ]);
  });

  it("has a load-balancing loss and routes only for top-k, with no near tie in the routing", () => {
    expect(fixture.cases.map((c) => c.auxLoss !== undefined)).toEqual([false, false, false, false, true, true, true]);
    for (const c of fixture.cases.filter((c) => c.routes !== undefined)) {
      expect(c.routes!.map((r) => r.length)).toEqual([16 * (c.config.expertTopK as number), 16 * (c.config.expertTopK as number)]);
      expect(c.routingGap).toBeGreaterThan(1e-3);
    }
  });
});
