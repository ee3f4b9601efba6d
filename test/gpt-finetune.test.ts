// Fine-tuning a trained model on another text: its vocabulary against the text's characters (an error listing them
// all, new embedding rows, or a replacement), a copy that trains while the original stays, and npm run train's
// --init_from (a checkpoint, or resume) and --data.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CharTokenizer,
  GPT,
  extendVocabulary,
  fineTune,
  gptConfig,
  prepareFineTune,
  readCheckpoint,
  readDataText,
  saveCheckpoint,
  trainStatePath,
} from "../lib/index.js";

const shakespeare = CharTokenizer.fromText(readDataText("tinyshakespeare.txt"));
const austen = readDataText("pride-and-prejudice.txt");
const unknownInAusten =
  'prepareFineTune: 14 characters are not in the vocabulary of 65 characters: "1" (U+0031) at 47 (19 times), "\\"" (U+0022) at 429 (3531 times), ' +
  '"_" (U+005F) at 770 (808 times), "2" (U+0032) at 4551 (18 times), "4" (U+0034) at 18391 (16 times), "5" (U+0035) at 24347 (17 times), ' +
  '"6" (U+0036) at 29634 (10 times), "7" (U+0037) at 42655 (6 times), "8" (U+0038) at 53817 (7 times), "9" (U+0039) at 64823 (6 times), ' +
  '"0" (U+0030) at 74582 (6 times), "(" (U+0028) at 113972 (18 times), ")" (U+0029) at 114033 (18 times), "*" (U+002A) at 498283 (30 times); ' +
  "to fine-tune on them, extend the vocabulary or replace them (unknownChars in prepareFineTune, --unknown_chars in npm run train)";
const tiny = (vocabSize: number) => GPT.create(gptConfig({ vocabSize, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 }), { seed: 3 });

describe("a vocabulary against a new text", () => {
  it("lists every character it lacks, where each first appears and how often", () => {
    expect(shakespeare.unknownCharacters(austen)).toEqual(['"', "(", ")", "*", "0", "1", "2", "4", "5", "6", "7", "8", "9", "_"]);
    expect(() => shakespeare.encode('a "b" (c)')).toThrow(
      'CharTokenizer.encode: 3 characters are not in the vocabulary of 65 characters: "\\"" (U+0022) at 2 (2 times), "(" (U+0028) at 6, ")" (U+0029) at 8; ' +
        'to fine-tune on them, extend the vocabulary or replace them (unknownChars in prepareFineTune, --unknown_chars in npm run train)',
    );
    expect(() => shakespeare.encode("Café")).toThrow('CharTokenizer.encode: character "é" (U+00E9) at position 3 is not in the vocabulary of 65 characters; to fine-tune on them');
    expect(shakespeare.decode(shakespeare.encode('a "b"', { replacement: " " }))).toBe("a  b ");
    expect(() => shakespeare.encode("x", { replacement: "é" })).toThrow('CharTokenizer.encode: the replacement "é" (U+00E9) is not in the vocabulary either');
  });

  it("extends: the old ids keep their characters, the new ones follow in code point order", () => {
    const extended = shakespeare.extend(["_", '"']);
    expect(extended.vocabSize).toBe(67);
    expect(extended.chars.slice(0, 65)).toEqual(shakespeare.chars);
    expect(extended.chars.slice(65)).toEqual(['"', "_"]);
    expect(Array.from(extended.encode('Hi "_"'))).toEqual([...Array.from(shakespeare.encode("Hi ")), 65, 66, 65]);
    expect(() => shakespeare.extend(["a"])).toThrow('CharTokenizer.extend: "a" (U+0061) appears twice in the vocabulary (ids 39 and 65)');
  });

  it("grows the model by embedding rows drawn as nanoGPT's init: the old logits unchanged, the tied head follows", () => {
    const model = tiny(65);
    const grown = extendVocabulary(model, 3, { seed: 5 });
    expect(grown.config.vocabSize).toBe(68);
    const wte = grown.parameter("transformer.wte.weight");
    expect(wte.shape).toEqual([68, 16]);
    expect(Array.from(wte.data.subarray(0, 65 * 16))).toEqual(Array.from(model.parameter("transformer.wte.weight").data));
    const added = Array.from(wte.data.subarray(65 * 16));
    const std = Math.sqrt(added.reduce((s, v) => s + v * v, 0) / added.length);
    expect(std).toBeGreaterThan(0.014);
    expect(std).toBeLessThan(0.026);
    const tokens = shakespeare.encode("First Citizen:\n");
    const before = model.forward(tokens, 1, tokens.length).logits;
    const after = grown.forward(tokens, 1, tokens.length).logits;
    for (let t = 0; t < tokens.length; t++) {
      expect(Array.from(after.subarray(t * 68, t * 68 + 65))).toEqual(Array.from(before.subarray(t * 65, t * 65 + 65)));
    }
    expect(() => extendVocabulary(model, -1)).toThrow("extendVocabulary: count -1 must be an integer >= 0");
  });
});

describe("prepareFineTune and fineTune", () => {
  const source = { model: tiny(65), tokenizer: shakespeare };

  it("fails by default on the unknown characters, listing them all; extends or replaces when asked", () => {
    expect(() => prepareFineTune(source, austen)).toThrow(unknownInAusten);
    const extended = prepareFineTune(source, austen, { unknownChars: "extend" });
    expect(extended.added).toEqual(shakespeare.unknownCharacters(austen));
    expect(extended.model.config.vocabSize).toBe(79);
    expect(extended.dataset.vocabSize).toBe(79);
    expect(extended.tokenizer.decode(extended.dataset.train.subarray(0, 19))).toBe("PRIDE AND PREJUDICE");
    const replaced = prepareFineTune(source, austen, { unknownChars: "replace", replacement: "'" });
    expect(replaced.replaced).toHaveLength(14);
    expect(replaced.model.config.vocabSize).toBe(65);
    expect(replaced.tokenizer.decode(replaced.dataset.train.subarray(0, 500))).toContain("'My dear Mr. Bennet,' said his lady");
    expect(() => prepareFineTune({ model: source.model, tokenizer: undefined }, austen)).toThrow("prepareFineTune: the checkpoint has no vocabulary");
    expect(() => prepareFineTune(source, austen, { unknownChars: "drop" as "error" })).toThrow("prepareFineTune");
  });

  it("trains a copy on the new text with default warmup and decay that fit the steps; the original stays", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "finetune-")), "base.safetensors");
    saveCheckpoint(path, source.model, { tokenizer: shakespeare });
    const before = Array.from(source.model.parameter("transformer.h.0.mlp.c_fc.weight").data);
    const tuned = await fineTune(path, austen, { steps: 20, batchSize: 4, evalInterval: 10, evalBatches: 2, unknownChars: "extend", learningRate: 3e-3 });
    expect(tuned.evaluations.map((e) => e.step)).toEqual([0, 10, 20]);
    expect(tuned.evaluations[2].valLoss).toBeLessThan(tuned.evaluations[0].valLoss);
    expect(tuned.state.settings).toMatchObject({ steps: 20, warmupSteps: 2, decaySteps: 20 });
    expect(tuned.model.config.vocabSize).toBe(79);
    expect(Array.from(source.model.parameter("transformer.h.0.mlp.c_fc.weight").data)).toEqual(before);
  }, 60_000);
});

describe("npm run train: --init_from and --data", () => {
  const script = join(process.cwd(), "scripts/train.mjs");
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
  const shape = ["--n_layer=1", "--n_head=2", "--n_embd=16", "--block_size=16"];
  const quick = ["--batch_size=4", "--eval_interval=10", "--eval_iters=2", "--log_interval=10"];

  it("fine-tunes a checkpoint on another text: its config and characters, the new ones added", () => {
    const dir = mkdtempSync(join(tmpdir(), "finetune-cli-"));
    const base = join(dir, "base.safetensors");
    expect(run(`--out=${base}`, ...shape, ...quick, "--max_iters=10").status).toBe(0);
    const out = join(dir, "austen.safetensors");
    const refused = run(`--out=${out}`, `--init_from=${base}`, "--data=data/pride-and-prejudice.txt", ...quick, "--max_iters=10");
    expect(refused.status).toBe(1);
    // The command line says it without the lib function's name, and with the flag to pass.
    const unknownInAustenCli = unknownInAusten.replace("prepareFineTune: ", "").replace("(unknownChars in prepareFineTune, --unknown_chars in npm run train)", "(--unknown_chars)");
    expect(refused.stderr).toBe(`${unknownInAustenCli}\n`);
    expect(run(`--out=${out}`, `--init_from=${base}`, "--n_layer=2").stderr).toBe(`--n_layer=2: n_layer comes from the checkpoint when fine-tuning (--init_from=${base}); leave it out\n`);
    const tuned = run(`--out=${out}`, `--init_from=${base}`, "--data=data/pride-and-prejudice.txt", "--unknown_chars=extend", ...quick, "--max_iters=10");
    expect(tuned.stderr).toBe("");
    expect(tuned.stdout).toContain('14 new characters in the vocabulary (ids 65 on): "\\"" "(" ")" "*" "0" "1" "2" "4" "5" "6" "7" "8" "9" "_"');
    const { model, tokenizer, metadata } = readCheckpoint(out);
    expect(model.config.vocabSize).toBe(79);
    expect(tokenizer?.chars.slice(65)).toEqual(['"', "(", ")", "*", "0", "1", "2", "4", "5", "6", "7", "8", "9", "_"]);
    expect(JSON.parse(metadata.training)).toMatchObject({ init_from: base, data: "data/pride-and-prejudice.txt", steps: 10, warmupSteps: 1, step: 10 });
    expect(metadata.command).toBe(`npm run train -- --out=${out} --init_from=${base} --data=data/pride-and-prejudice.txt --unknown_chars=extend --batch_size=4 --max_iters=10 --eval_interval=10 --eval_iters=2 --log_interval=10`);
  }, 120_000);

  it("resumes a run stopped by Ctrl-C: the same checkpoint and state files, byte for byte, as the run that never stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "resume-cli-"));
    const [whole, stopped] = [join(dir, "whole"), join(dir, "stopped")];
    mkdirSync(whole);
    mkdirSync(stopped);
    // The same command in two folders (so that the files record the same command): one runs through, one is stopped.
    const args = [script, "--out=run.safetensors", ...shape, "--batch_size=4", "--max_iters=400", "--eval_interval=50", "--eval_iters=2", "--log_interval=1", "--dropout=0.1"];
    expect(spawnSync(process.execPath, args, { cwd: whole, encoding: "utf8" }).status).toBe(0);
    const child = spawn(process.execPath, args, { cwd: stopped });
    let stdout = "";
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/step +5\/400/.test(stdout) && !child.killed) child.kill("SIGINT");
      });
      child.on("exit", (status) => resolve(status));
    });
    expect(code).toBe(130);
    const step = Number(/interrupted after step (\d+): checkpoint run\.safetensors \(no evaluation at this step\); --init_from=resume continues it/.exec(stdout)?.[1]);
    expect(step).toBeGreaterThanOrEqual(5);
    expect(step).toBeLessThan(400);
    const command = readCheckpoint(join(whole, "run.safetensors")).metadata.command;
    expect(spawnSync(process.execPath, [script, "--out=run.safetensors", "--dropout=0.2", "--init_from=resume"], { cwd: stopped, encoding: "utf8" }).stderr).toBe(
      `--dropout=0.2: --init_from=resume continues the run as it was started (${command}), with dropout 0.1\n`,
    );
    const resumed = spawnSync(process.execPath, [script, "--out=run.safetensors", "--init_from=resume"], { cwd: stopped, encoding: "utf8" });
    expect(resumed.stderr).toBe("");
    expect(resumed.stdout.split("\n")[0]).toBe(`resuming at step ${step} of 400: ${command}`);
    for (const file of ["run.safetensors", "run.resume.safetensors"]) {
      expect(readFileSync(join(stopped, file)).equals(readFileSync(join(whole, file))), file).toBe(true);
    }
    expect(trainStatePath(join(whole, "run.safetensors"))).toBe(join(whole, "run.resume.safetensors"));
    const finished = spawnSync(process.execPath, [script, "--out=run.safetensors", "--init_from=resume"], { cwd: whole, encoding: "utf8" });
    expect(finished.stderr).toBe("the run at --out=run.safetensors has done 400 steps already; pass --max_iters above 400 to go further\n");
    const missing = spawnSync(process.execPath, [script, "--out=none.safetensors", "--init_from=resume"], { cwd: whole, encoding: "utf8" });
    expect(missing.stderr).toBe(
      `--init_from=resume continues the run written to --out=none.safetensors, and there is no ${join(whole, "none.safetensors")} (a run writes it, with its .resume.safetensors, at each evaluation and on Ctrl-C)\n`,
    );
  }, 180_000);
});
