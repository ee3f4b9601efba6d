// The GPT's public surface under bad input, class by class: each table holds calls a learner's mistake or a hostile
// file makes, and the exact error they get. No call crashes, hangs, runs out of memory or stores a non-finite number.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as lib from "../lib/index.js";
import {
  AdamW,
  CharTokenizer,
  GPT,
  Generator,
  TextDataset,
  attentionMaps,
  blockSteps,
  characterLabel,
  clipGradNorm,
  decodeSafetensors,
  encodeSafetensors,
  estimateLoss,
  forwardSteps,
  generate,
  generateTokens,
  gptConfig,
  learningRate,
  loadCheckpoint,
  nextTokenLogits,
  nextTokenProbabilities,
  parameterMatrix,
  parameterShapes,
  progressLine,
  readCheckpoint,
  readSafetensors,
  sampleToken,
  splitLoss,
  saveCheckpoint,
  tokenEmbeddings,
  train,
  trainSettings,
  writeSafetensors,
} from "../lib/index.js";

/** Runs f (awaiting it) and returns the message it throws; fails when f returns. */
async function messageOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error, but the call returned");
}

type Case = [string, () => unknown, string];

function table(cases: Case[]): void {
  it.each(cases)("%s", async (_, call, message) => expect(await messageOf(call)).toBe(message));
}

const text = "hello world, this is a small text for the tests. ".repeat(40);
const dataset = TextDataset.fromText(text);
const tokenizer = dataset.tokenizer;
const config = gptConfig({ vocabSize: dataset.vocabSize, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
const model32 = () => GPT.create(config);
// A model that knows its characters, as one trained here or read from a checkpoint does.
const modelKnowing = (chars: string): GPT => {
  const model = GPT.create(gptConfig({ vocabSize: chars.length, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 4 }));
  model.tokenizer = new CharTokenizer([...chars]);
  return model;
};
const model64 = () => GPT.create(config, { dtype: "float64" });
const dir = mkdtempSync(join(tmpdir(), "gpt-hardening-"));
const ids = new Array(8).fill(1);
const finite = (model: GPT) => model.parameters.every((p) => p.data.every(Number.isFinite));

/** A checkpoint of the small model whose metadata is changed: what a hand-edited or hostile file holds. */
function editedCheckpoint(name: string, metadata: Record<string, string>): string {
  const path = join(dir, name);
  saveCheckpoint(path, model32(), { tokenizer });
  const file = readSafetensors(path);
  writeSafetensors(path, file.tensors, { ...file.metadata, ...metadata });
  return path;
}

/** The bytes of a .safetensors file with this header and this many data bytes. */
function safetensorsBytes(header: object, dataBytes: number): Uint8Array {
  const json = JSON.stringify(header);
  const padded = json + " ".repeat((8 - (json.length % 8)) % 8);
  const bytes = new Uint8Array(8 + padded.length + dataBytes);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(padded.length), true);
  bytes.set(new TextEncoder().encode(padded), 8);
  return bytes;
}

describe("a weight update never stores a non-finite number: it fails naming the parameter and the step", () => {
  const withGrad = (model: GPT, name: string, index: number, value: number) => {
    model.parameter(name).grad[index] = value;
    return model;
  };
  const allGrads = (model: GPT, value: number) => {
    for (const p of model.parameters) p.grad.fill(value);
    return model;
  };
  const updates: [string, () => GPT, (model: GPT) => void, string][] = [
    ["a NaN gradient (float64)", () => withGrad(model64(), "transformer.wte.weight", 0, NaN), (m) => new AdamW(m.parameters).step(), "AdamW.step: the gradient of transformer.wte.weight holds NaN at index 0 at step 1; nothing was updated (a learning rate too high, or a NaN in the input?)"],
    ["an Infinity gradient (float32)", () => withGrad(model32(), "transformer.h.0.attn.c_attn.weight", 5, Infinity), (m) => new AdamW(m.parameters).step(), "AdamW.step: the gradient of transformer.h.0.attn.c_attn.weight holds Infinity at index 5 at step 1; nothing was updated (a learning rate too high, or a NaN in the input?)"],
    ["a NaN gradient (float32, clipGradNorm)", () => withGrad(model32(), "transformer.h.0.ln_1.weight", 0, NaN), (m) => clipGradNorm(m.parameters, 1), "clipGradNorm: the gradient of transformer.h.0.ln_1.weight holds NaN at index 0; nothing was updated (a learning rate too high, or a NaN in the input?)"],
    ["a huge learning rate (float64)", () => allGrads(model64(), 1), (m) => new AdamW(m.parameters, { lr: 1e308 }).step(), "AdamW.step: step 1 would store weight -Infinity in transformer.wte.weight at index 0 (weight 0.025297893211245537, gradient 1, learning rate 1e+308): the update overflows float64, so it stops here; lower the learning rate"],
    ["a huge learning rate (float32)", () => allGrads(model32(), 1), (m) => new AdamW(m.parameters).step(1e39), "AdamW.step: step 1 would store weight -Infinity in transformer.wte.weight at index 0 (weight 0.025297893211245537, gradient 1, learning rate 1e+39): the update overflows float32, so it stops here; lower the learning rate"],
    ["a gradient whose square overflows float32", () => withGrad(model32(), "transformer.wte.weight", 0, 1e30), (m) => new AdamW(m.parameters).step(), "AdamW.step: step 1 would store running mean square Infinity in transformer.wte.weight at index 0 (weight 0.025297893211245537, gradient 1.0000000150474662e+30, learning rate 0.001): the update overflows float32, so it stops here; the gradient is too large: clip it (clipGradNorm, train's gradClip)"],
  ];
  it.each(updates)("%s", async (_, make, update, message) => {
    const model = make();
    expect(await messageOf(() => update(model))).toBe(message);
    expect(finite(model)).toBe(true);
  });

  table([
    ["AdamW eps 0", () => new AdamW(model32().parameters, { eps: 0 }), "AdamW: option eps must be > 0, got 0"],
    ["AdamW.step lr as a string", () => new AdamW(model32().parameters).step("0.1" as never), "AdamW.step: lr must be a finite number >= 0, got \"0.1\""],
    ["AdamW.step lr NaN", () => new AdamW(model32().parameters).step(NaN), "AdamW.step: lr must be a finite number >= 0, got number NaN"],
    ["learningRate with no schedule keys", () => learningRate(3, {} as never), "learningRate: option maxLr is required; options maxLr, minLr, warmupSteps, decaySteps must be given"],
    ["learningRate without decaySteps", () => learningRate(3, { maxLr: 1, minLr: 0, warmupSteps: 1 } as never), "learningRate: option decaySteps is required; options maxLr, minLr, warmupSteps, decaySteps must be given"],
    ["learningRate step 1.5", () => learningRate(1.5, { maxLr: 1, minLr: 0, warmupSteps: 1, decaySteps: 10 }), "learningRate: step must be an integer >= 0, got number 1.5"],
    ["clipGradNorm maxNorm 0", () => clipGradNorm(model32().parameters, 0), "clipGradNorm: maxNorm must be a finite number > 0, got number 0"],
    [
      "backward after a forward that failed on a NaN loss",
      () => {
        const model = model64();
        model.forward(ids, 1, 8, { targets: ids });
        model.parameter("transformer.wte.weight").data.fill(1e308);
        expect(() => model.forward(ids, 1, 8, { targets: ids })).toThrow("GPT.forward: the loss is NaN");
        model.backward();
      },
      "GPT.backward: needs a forward with targets first, one that finished (there is no loss to differentiate)",
    ],
    ["train with a learning rate that overflows", () => train(model32(), dataset, { steps: 2, warmupSteps: 0, evalBatches: 1, batchSize: 2, learningRate: 1e40 }), "train: step 1 failed (learning rate 1e+40; a lower learningRate may help): AdamW.step: step 1 would store weight Infinity in transformer.wte.weight at index 0 (weight 0.025297893211245537, gradient -0.15939202904701233, learning rate 1e+40): the update overflows float32, so it stops here; lower the learning rate"],
  ]);

  it("a sane step still takes the fast path and changes the weights", () => {
    const model = model32();
    model.forward(ids, 1, 8, { targets: ids });
    model.backward();
    const before = Float32Array.from(model.parameter("transformer.wte.weight").data);
    new AdamW(model.parameters).step(1e-3, { gradNorm: clipGradNorm(model.parameters, 1) });
    expect(model.parameter("transformer.wte.weight").data).not.toEqual(before);
    expect(finite(model)).toBe(true);
  });
});

describe("train's callback: a throwing or rejecting callback stops training and says at which step", () => {
  const options = { steps: 2, warmupSteps: 0, evalBatches: 1, batchSize: 2 };
  table([
    ["an async callback that rejects", () => train(model32(), dataset, options, async (p) => { if (p.step === 1) throw new Error("boom"); }), "train: onProgress threw at step 1: boom"],
    ["a callback that throws", () => train(model32(), dataset, options, (p) => { if (p.step === 0) throw new Error("stop"); }), "train: onProgress threw at step 0: stop"],
    ["a callback that is not a function", () => train(model32(), dataset, options, 5 as never), "train: onProgress must be a function"],
  ]);

  it("awaits an async callback before the next step", async () => {
    const seen: number[] = [];
    await train(model32(), dataset, options, async (p) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(p.step);
    });
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe("sizes too large fail at once with the size and the bytes, before allocating", () => {
  const big = join(dir, "big-config.safetensors");
  writeSafetensors(big, new Map([["transformer.wte.weight", { shape: [2, 2], data: new Float32Array(4) }]]), { config: JSON.stringify({ ...config, nLayer: 1e7 }) });
  table([
    ["GPT.create blockSize 1e8", () => GPT.create({ ...config, blockSize: 1e8 }), "GPT.create: a float32 model of vocabSize 17, blockSize 100000000, nLayer 1, nEmbd 8 (800000928 parameters, their gradients and AdamW's moments) needs 12.8 GB, more than the 2 GB the lib allocates at once"],
    ["GPT.create nEmbd 16384", () => GPT.create({ ...config, nEmbd: 16384 }), "GPT.create: a float32 model of vocabSize 17, blockSize 8, nLayer 1, nEmbd 16384 (3221684224 parameters, their gradients and AdamW's moments) needs 51.5 GB, more than the 2 GB the lib allocates at once"],
    ["GPT.create nLayer 1e7", () => GPT.create({ ...config, nLayer: 1e7 }), "GPT.create: a float32 model of vocabSize 17, blockSize 8, nLayer 10000000, nEmbd 8 (7840000208 parameters, their gradients and AdamW's moments) needs 125 GB, more than the 2 GB the lib allocates at once"],
    ["readCheckpoint of a small file whose config says nLayer 1e7", () => readCheckpoint(big), `readCheckpoint: ${big}: GPT.fromParameters: a float32 model of vocabSize 17, blockSize 8, nLayer 10000000, nEmbd 8 (7840000208 parameters, their gradients and AdamW's moments) needs 125 GB, more than the 2 GB the lib allocates at once`],
    ["forward with 2e6 windows", () => model32().forward(new Int32Array(16e6), 2e6, 8), "GPT.forward: a batch of 2000000 x 8 tokens (the activations backward needs, nLayer 1) needs 26.7 GB, more than the 2 GB the lib allocates at once"],
    ["estimateLoss batchSize 1e6", () => estimateLoss(model32(), dataset, { batchSize: 1e6, batches: 1 }), "estimateLoss: a batch of batchSize 1000000 x blockSize 8 tokens (the activations backward needs, nLayer 1) needs 13.3 GB, more than the 2 GB the lib allocates at once"],
    ["train batchSize 1e7", () => train(model32(), dataset, { steps: 1, warmupSteps: 0, batchSize: 1e7 }), "train: a batch of batchSize 10000000 x blockSize 8 tokens (the activations backward needs, nLayer 1) needs 2.56 GB, more than the 2 GB the lib allocates at once"],
    ["getBatch with 1e8 windows", () => dataset.getBatch("train", 1e8, 8, new Generator(1)), "TextDataset.getBatch: a batch of 100000000 x 8 tokens (inputs and targets) needs 6.4 GB, more than the 2 GB the lib allocates at once"],
    ["generate maxNewTokens 1e9", () => generate(model32(), tokenizer, "h", { maxNewTokens: 1e9 }), "generate: 1000000001 token ids (the prompt's 1 and maxNewTokens 1000000000) needs 4 GB, more than the 2 GB the lib allocates at once"],
  ]);
});

describe("a plain object, null, a folder or a missing file: an error naming the function and what came", () => {
  table([
    ["GPT.create(null)", () => GPT.create(null as never), "GPT.create: a config is required, e.g. gptConfig({ vocabSize: 65 })"],
    ["GPT.fromParameters with a plain object", () => GPT.fromParameters(config, {} as never), "GPT.fromParameters: tensors must be a Map from nanoGPT's names to { shape, data }, got an object"],
    ["GPT.fromParameters with a null tensor", () => GPT.fromParameters(config, new Map([["transformer.wte.weight", null]]) as never), "GPT.fromParameters: tensor transformer.wte.weight is null, not { shape, data }"],
    ["AdamW(null)", () => new AdamW(null as never), "AdamW: parameters must be an array of parameters (model.parameters), got null"],
    ["AdamW of plain objects", () => new AdamW([{}] as never), "AdamW: parameters[0] is an object, not a parameter { name, shape, data, grad } of the model (model.parameters)"],
    ["clipGradNorm of a plain object", () => clipGradNorm({} as never, 1), "clipGradNorm: parameters must be an array of parameters (model.parameters), got an object"],
    ["generate with a plain tokenizer", () => generate(model32(), {} as never, "h", { maxNewTokens: 2 }), "generate: tokenizer must be a CharTokenizer (CharTokenizer.fromText, a checkpoint's tokenizer), got an object"],
    ["generate with a null model", () => generate(null as never, tokenizer, "h", { maxNewTokens: 2 }), "generate: model must be a GPT (or have forward() and config { blockSize, vocabSize }), got null"],
    ["generate with a number prompt", () => generate(model32(), tokenizer, 5 as never, { maxNewTokens: 2 }), "generate: prompt must be a string, got number 5"],
    ["generateTokens with a null prompt", () => generateTokens(() => [0, 1], null as never, 4, { maxNewTokens: 2 }), "generateTokens: the prompt must be an array of token ids, got null"],
    ["generateTokens whose logits are null", () => generateTokens(() => null as never, [0], 4, { maxNewTokens: 1, greedy: true }), "generateTokens: the logits of token 1: logits must be an array of numbers, got null"],
    ["train with a plain dataset", () => train(model32(), {} as never, { steps: 1 }), "train: dataset must be a TextDataset (TextDataset.fromText), got an object"],
    ["train with a null model", () => train(null as never, dataset, { steps: 1 }), "train: model must be a GPT (GPT.create, loadCheckpoint), got null"],
    ["trainSettings with a plain model", () => trainSettings({} as never, { steps: 1 }), "trainSettings: model must be a GPT (GPT.create, loadCheckpoint), got an object"],
    ["estimateLoss with a null model", () => estimateLoss(null as never, dataset), "estimateLoss: model must be a GPT (or have forward() and config { blockSize, vocabSize }), got null"],
    ["estimateLoss with a plain dataset", () => estimateLoss(model32(), {} as never), "estimateLoss: dataset must be a TextDataset (TextDataset.fromText), got an object"],
    ["new TextDataset with a plain tokenizer", () => new TextDataset(new Int32Array(3), {} as never), "TextDataset: tokenizer must be a CharTokenizer (CharTokenizer.fromText, a checkpoint's tokenizer), got an object"],
    ["TextDataset.fromText with a plain tokenizer", () => TextDataset.fromText("abc", { tokenizer: {} as never }), "TextDataset.fromText: tokenizer must be a CharTokenizer (CharTokenizer.fromText, a checkpoint's tokenizer), got an object"],
    ["TextDataset.fromText(null)", () => TextDataset.fromText(null as never), "TextDataset.fromText: text must be a non-empty string, got null"],
    ["TextDataset.fromText with characters the tokenizer lacks", () => TextDataset.fromText("xyz", { tokenizer }), 'TextDataset.fromText: the text\'s 2 characters are not in the vocabulary of 17 characters: "y" (U+0079) at 1, "z" (U+007A) at 2; to fine-tune on them, extend the vocabulary or replace them (unknownChars in prepareFineTune, --unknown_chars in npm run train)'],
    ["CharTokenizer(null)", () => new CharTokenizer(null as never), "CharTokenizer: chars must be an array of characters, got null"],
    ["decode(null)", () => tokenizer.decode(null as never), "CharTokenizer.decode: ids must be an array of token ids, got null"],
    ["decode of a plain object", () => tokenizer.decode({} as never), "CharTokenizer.decode: ids must be an array of token ids, got an object"],
    ["encode(null)", () => tokenizer.encode(null as never), "CharTokenizer.encode: text must be a string, got null"],
    ["saveCheckpoint of null", () => saveCheckpoint(join(dir, "x.safetensors"), null as never), "saveCheckpoint: model must be a GPT (GPT.create, loadCheckpoint), got null"],
    ["saveCheckpoint into a folder", () => saveCheckpoint(dir, model32()), `saveCheckpoint: cannot write ${dir}: it is a folder`],
    ["saveCheckpoint into a missing folder", () => saveCheckpoint(join(dir, "no", "x.safetensors"), model32()), `saveCheckpoint: cannot write ${join(dir, "no", "x.safetensors")}: there is no folder ${join(dir, "no")}`],
    ["saveCheckpoint with a number in the metadata", () => saveCheckpoint(join(dir, "x.safetensors"), model32(), { metadata: { steps: 5 as never } }), "saveCheckpoint: metadata steps must be a string (JSON.stringify it), got number 5"],
    ["readCheckpoint of a folder", () => readCheckpoint(dir), `readCheckpoint: ${dir} is a folder, not a file`],
    ["loadCheckpoint of a missing file", () => loadCheckpoint(join(dir, "missing.safetensors")), `loadCheckpoint: no file ${join(dir, "missing.safetensors")} (from ${process.cwd()})`],
    ["readCheckpoint(null)", () => readCheckpoint(null as never), "readCheckpoint: path must be a file path, got null"],
    ["readSafetensors of a folder", () => readSafetensors(dir), `readSafetensors: ${dir} is a folder, not a file`],
    ["writeSafetensors of null", () => writeSafetensors(join(dir, "x.safetensors"), null as never), "writeSafetensors: tensors must be a Map (or an object) of { shape, data }, got null"],
    ["encodeSafetensors with null metadata", () => encodeSafetensors(new Map(), null as never), "encodeSafetensors: metadata must be an object of strings, got null"],
    ["decodeSafetensors of an array", () => decodeSafetensors([1, 2, 3] as never), "decodeSafetensors: bytes must be a Uint8Array (a Buffer), got an array"],
    ["attentionMaps of null", () => attentionMaps(null as never, [1]), "attentionMaps: model must be a GPT (GPT.create, loadCheckpoint), got null"],
    ["nextTokenLogits of null tokens", () => nextTokenLogits(model32(), null as never), "nextTokenLogits: tokens must be an array of token ids, got null"],
    ["tokenEmbeddings of a plain object", () => tokenEmbeddings({} as never), "tokenEmbeddings: model must be a GPT (GPT.create, loadCheckpoint), got an object"],
    ["characterLabel(null)", () => characterLabel(null as never), "characterLabel: ch must be a character, got null"],
    ["parameterShapes(null)", () => parameterShapes(null as never), "parameterShapes: a config is required, e.g. gptConfig({ vocabSize: 65 })"],
    ["parameterShapes({})", () => parameterShapes({} as never), "parameterShapes: vocabSize is required (the number of distinct tokens), e.g. { vocabSize: 65 }"],
    ["forwardSteps of null", () => forwardSteps(null as never, [1]), "forwardSteps: model must be a GPT (GPT.create, loadCheckpoint), got null"],
    ["blockSteps of a plain object", () => blockSteps({} as never, 0, null as never), "blockSteps: model must be a GPT (GPT.create, loadCheckpoint), got an object"],
    ["parameterMatrix of an unknown name", () => parameterMatrix(model32(), "lm_head.bias"), "parameterMatrix: no parameter named \"lm_head.bias\"; e.g. transformer.wte.weight"],
    ["progressLine(null)", () => progressLine(null as never), "progressLine: progress must be what train() reports, e.g. { step: 1, steps: 10, lr: 1e-3, ... }, got null"],
    ["forward with a plain generator", () => model32().forward(ids, 1, 8, { training: true, generator: {} as never }), "GPT.forward: option generator must be a Generator, e.g. new Generator(1337), got an object"],
  ]);

  it("errors inside a checkpoint name the function and the file", () => {
    const cases: [Record<string, string>, string][] = [
      [{ vocab: "[abc" }, "metadata vocab is not JSON (a JSON array of characters): [abc"],
      [{ vocab: "5" }, "metadata vocab: chars must be an array of characters, got number 5"],
      [{ config: JSON.stringify({ ...config, nHead: 3 }) }, "metadata config: nEmbd 8 is not divisible by nHead 3"],
      [{ config: "null" }, "metadata config is not a JSON object: null"],
      [{ config: JSON.stringify({ ...config, heads: 2 }) }, 'metadata config: unknown option "heads"; its options are vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias, norm'],
    ];
    cases.forEach(([metadata, message], k) => {
      const path = editedCheckpoint(`edited-${k}.safetensors`, metadata);
      expect(() => readCheckpoint(path)).toThrow(`readCheckpoint: ${path}: ${message}`);
    });
  });
});

describe("nonsense that used to pass is refused", () => {
  table([
    [
      "safetensors tensors whose bytes overlap",
      () => decodeSafetensors(safetensorsBytes({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8)),
      "decodeSafetensors: tensor b: data_offsets [4, 8] overlap the tensor before it, which ends at 8",
    ],
    ["safetensors with a gap before a tensor", () => decodeSafetensors(safetensorsBytes({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8)), "decodeSafetensors: tensor a: data_offsets [4, 8] leave bytes [0, 4) unused; the format allows no gap"],
    ["safetensors with bytes no tensor holds", () => decodeSafetensors(safetensorsBytes({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 8)), "decodeSafetensors: the tensors hold 4 bytes of data, the file 8 after the header: the format allows no unused bytes"],
    ["trainSettings beta1 1, which train refuses", () => trainSettings(model32(), { steps: 300, beta1: 1 }), "trainSettings: option beta1 must be in [0, 1), got 1"],
    ["estimateLoss on a dataset of another vocabulary", () => estimateLoss(model32(), TextDataset.fromText("ab".repeat(100)), { batches: 1, batchSize: 2 }), "estimateLoss: the dataset has 2 characters, the model a vocabulary of 17"],
    [
      "estimateLoss on a dataset whose ids stand for other characters",
      () => estimateLoss(modelKnowing("abc"), TextDataset.fromText("abc".repeat(100), { tokenizer: new CharTokenizer(["b", "c", "a"]) }), { batches: 1, batchSize: 2 }),
      "estimateLoss: the dataset's token id 0 is \"b\", the model's is \"a\": build the dataset with the model's tokenizer (TextDataset.fromText(text, { tokenizer: model.tokenizer }), or prepareFineTune)",
    ],
    [
      "splitLoss on a dataset whose ids stand for other characters",
      () => splitLoss(modelKnowing("abc"), TextDataset.fromText("abc".repeat(100), { tokenizer: new CharTokenizer(["a", "c", "b"]) })),
      "splitLoss: the dataset's token id 1 is \"c\", the model's is \"b\": build the dataset with the model's tokenizer (TextDataset.fromText(text, { tokenizer: model.tokenizer }), or prepareFineTune)",
    ],
    ["splitLoss of a plain object", () => splitLoss(modelKnowing("abc"), {} as never), "splitLoss: dataset must be a TextDataset (TextDataset.fromText), got an object"],
    ["sampleToken([])", () => sampleToken([], { greedy: true }), "sampleToken: no logits; there must be one per token of the vocabulary"],
    ["nextTokenProbabilities of a string logit", () => nextTokenProbabilities([1, "2" as never]), "nextTokenProbabilities: logit 1 is \"2\"; every logit must be a number"],
    ["a fractional prompt id", () => generateTokens(() => [0, 1], [0.5], 4, { maxNewTokens: 1, greedy: true }), "generateTokens: the prompt: token id 0.5 at position 0 is not a whole number"],
    ["a negative prompt id", () => generateTokens(() => [0, 1], [-1], 4, { maxNewTokens: 1, greedy: true }), "generateTokens: the prompt: token id -1 at position 0 is negative"],
    ["a prompt id past the vocabulary", () => nextTokenLogits(model32(), [0, 99]), "nextTokenLogits: tokens: token id 99 at position 1 is outside the vocabulary [0, 17)"],
    ["gptConfig dropout 1", () => gptConfig({ vocabSize: 5, dropout: 1 }), "gptConfig: option dropout must be in [0, 1), got 1"],
  ]);
});

describe("errors name the function called and show the bad value as it is", () => {
  table([
    ['forward(ids, "2", 8)', () => model32().forward(new Array(16).fill(1), "2" as never, 8), "GPT.forward: batch must be an integer >= 1, got \"2\""],
    ['forward(ids, 1, "8")', () => model32().forward(ids, 1, "8" as never), "GPT.forward: time must be an integer >= 1, got \"8\""],
    ['decode(["1"])', () => tokenizer.decode(["1"] as never), "CharTokenizer.decode: token id \"1\" at position 0 is not a number"],
    ["generate temperature 0", () => generate(model32(), tokenizer, "h", { maxNewTokens: 2, temperature: 0 }), "generate: temperature 0 must be > 0; for the most likely token every time, use greedy: true"],
    ["generate topK 0", () => generate(model32(), tokenizer, "h", { maxNewTokens: 2, topK: 0 }), "generate: topK 0 must be at least 1 (topK 1 is greedy decoding)"],
    ["generate with an empty prompt", () => generate(model32(), tokenizer, "", { maxNewTokens: 2 }), "generate: the prompt is empty; start from at least one token (nanoGPT starts from \"\\n\")"],
    ["generate with a prompt character outside the vocabulary", () => generate(model32(), tokenizer, "Q", { maxNewTokens: 2 }), 'generate: the prompt\'s character "Q" (U+0051) at position 0 is not in the vocabulary of 17 characters; to fine-tune on them, extend the vocabulary or replace them (unknownChars in prepareFineTune, --unknown_chars in npm run train)'],
    ["generate with a seed and a generator", () => generate(model32(), tokenizer, "h", { maxNewTokens: 2, seed: 1, generator: new Generator(1) }), "generate: give a generator or a seed, not both"],
    ['getBatch batchSize "2"', () => dataset.getBatch("train", "2" as never, 4, new Generator(1)), "TextDataset.getBatch: batchSize must be a positive integer, got \"2\""],
    ['generateTokens blockSize "4"', () => generateTokens(() => [0, 1], [0], "4" as never, { maxNewTokens: 1 }), "generateTokens: blockSize must be a positive integer, got \"4\""],
  ]);
});


describe("a process short of address space still makes models", () => {
  it("six float32 models under ulimit -v 30 GB: the ones past the WebAssembly reservations live in plain arrays", () => {
    const lib = join(import.meta.dirname, "..", "lib", "dist", "index.js");
    const program = `const lib = await import(${JSON.stringify(lib)});
const config = lib.gptConfig({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
const ids = new Array(8).fill(1);
const models = Array.from({ length: 6 }, () => lib.GPT.create(config));
for (const m of models) { m.forward(ids, 1, 8, { targets: ids }); m.backward(); new lib.AdamW(m.parameters).step(); }
console.log(models.every((m) => m.parameters.every((p) => p.data.every(Number.isFinite))));`;
    const { stdout, stderr } = spawnSync("bash", ["-c", 'ulimit -v 30000000; exec "$0" --input-type=module -e "$1"', process.execPath, program], { encoding: "utf8" });
    expect(stderr).toBe("");
    expect(stdout).toBe("true\n");
  }, 60_000);
});

describe("what the sweep of the public surface found (test/bad-input-sweep.test.ts), with the exact messages", () => {
  const missing = join(dir, "none.safetensors");
  table([
    ["crossEntropyBackward(null), not crossEntropy", () => lib.crossEntropyBackward(null as never, [0]), "crossEntropyBackward: expected a Matrix for logits, got null"],
    ["geluBackward of 1e308", () => lib.geluBackward(lib.Matrix.from([[1, 2]]), lib.Matrix.from([[1e308, -1e308]])), "geluBackward: dx overflows float64: NaN at [0][0] of the 1x2 result; the inputs are too large"],
    ["weightsFingerprint({})", () => lib.weightsFingerprint({} as never), "weightsFingerprint: model must be a GPT (GPT.create, loadCheckpoint), got an object"],
    ["readTrainState(null), not trainStatePath", () => lib.readTrainState(null as never, model32()), "readTrainState: expected the checkpoint's path, got null"],
    ["readTrainState of a missing file, not readSafetensors", () => lib.readTrainState(missing, model32()), `readTrainState: no file ${join(dir, "none.resume.safetensors")} (from ${process.cwd()})`],
    ["prepareFineTune of a missing file, not readCheckpoint", () => lib.prepareFineTune(missing, text), `prepareFineTune: no file ${missing} (from ${process.cwd()})`],
    ["fineTune of a missing file, not prepareFineTune", () => lib.fineTune(missing, text, { steps: 1 }), `fineTune: no file ${missing} (from ${process.cwd()})`],
    ["fineTune with steps 0, not train", () => lib.fineTune({ model: modelKnowing(tokenizer.chars.join("")), tokenizer }, text, { steps: 0 }), "fineTune: option steps must be >= 1, got 0"],
    ["KVCache.append of an id outside the vocabulary, not GPT.forward", () => new lib.KVCache(model32()).append([99]), `KVCache.append: tokens: token id 99 at position 0 is outside the vocabulary [0, ${config.vocabSize})`],
    ["a replacement of two characters", () => lib.prepareFineTune({ model: modelKnowing(tokenizer.chars.join("")), tokenizer }, text, { replacement: "ab" }), 'prepareFineTune: option replacement must be one character, got "ab"'],
  ]);

  it("null options count as none: sampleToken, nextTokenProbabilities, saveCheckpoint", () => {
    expect(lib.sampleToken([1, 5, 2], null as never)).toBeTypeOf("number");
    expect(Array.from(lib.nextTokenProbabilities([0, 0], null as never))).toEqual([0.5, 0.5]);
    lib.saveCheckpoint(join(dir, "null-options.safetensors"), model32(), null as never);
    expect(readCheckpoint(join(dir, "null-options.safetensors")).model.config).toEqual(config);
  });
});
