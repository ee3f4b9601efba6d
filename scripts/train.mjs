// `npm run train -- --out=FILE [options]`: trains a character-level GPT from the terminal, with a progress bar,
// and writes a .safetensors checkpoint at each evaluation and at the end. Options take nanoGPT's train.py names.
import { existsSync, readFileSync, renameSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./repo.mjs";

const defaults = "nanoGPT's CPU recipe (README: --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0) with shakespeare_char's other values";

/**
 * Every option: its kind, default and help, and the lib's name for it (lib), through which the lib's errors speak of
 * the option as typed. The names are nanoGPT's, so its commands carry over. Ranges are the lib's to check, except
 * for what only this script reads (min).
 */
export const options = {
  out: { kind: "string", help: "the checkpoint to write (.safetensors), required; the run's state goes beside it (.resume.safetensors)" },
  init_from: { kind: "string", default: "scratch", help: "scratch; resume (continue the run at --out where it stopped); or a FILE.safetensors to fine-tune" },
  data: { kind: "string", default: "data/tinyshakespeare.txt", help: "the text to train on (relative to the project)" },
  unknown_chars: { kind: ["error", "extend", "replace"], default: "error", lib: "unknownChars", help: "fine-tuning on characters the model lacks: list them, add them, or replace them" },
  replacement_char: { kind: "string", default: " ", lib: "replacement", help: "what unknown characters become with --unknown_chars=replace" },
  n_layer: { kind: "integer", default: 4, lib: "nLayer", help: "transformer blocks" },
  n_head: { kind: "integer", default: 4, lib: "nHead", help: "attention heads per block" },
  n_embd: { kind: "integer", default: 128, lib: "nEmbd", help: "embedding width (a multiple of n_head)" },
  block_size: { kind: "integer", default: 64, lib: "blockSize", help: "context length in characters" },
  dropout: { kind: "number", default: 0, lib: "dropout", help: "dropout probability while training" },
  bias: { kind: "boolean", default: false, lib: "bias", help: "biases in the linear layers and LayerNorms" },
  norm: { kind: ["pre", "post"], default: "pre", lib: "norm", help: "LayerNorm before each sublayer (GPT-2) or after the residual add" },
  batch_size: { kind: "integer", default: 12, lib: "batchSize", help: "windows per batch" },
  max_iters: { kind: "integer", default: 2000, lib: "steps", help: "optimiser steps" },
  learning_rate: { kind: "number", default: 1e-3, lib: "learningRate", help: "peak learning rate" },
  min_lr: { kind: "number", default: 1e-4, lib: "minLr", help: "learning rate at the end of the cosine decay" },
  warmup_iters: { kind: "integer", default: undefined, lib: "warmupSteps", help: "steps of linear warmup (default min(100, lr_decay_iters / 10))" },
  lr_decay_iters: { kind: "integer", default: undefined, lib: "decaySteps", help: "step where the decay reaches min_lr (default max_iters)" },
  weight_decay: { kind: "number", default: 0.1, lib: "weightDecay", help: "AdamW weight decay (2-D parameters only)" },
  beta1: { kind: "number", default: 0.9, lib: "beta1", help: "AdamW beta1" },
  beta2: { kind: "number", default: 0.99, lib: "beta2", help: "AdamW beta2" },
  grad_clip: { kind: "number", default: 1, lib: "gradClip", help: "clip the gradient's global norm to this (0: off)" },
  eval_interval: { kind: "integer", default: 250, lib: "evalInterval", help: "evaluate and write the checkpoint every this many steps" },
  eval_iters: { kind: "integer", default: 20, lib: "evalBatches", help: "validation batches per evaluation (fixed, seeded)" },
  log_interval: { kind: "integer", min: 1, default: 100, help: "steps between progress lines when the output is not a terminal" },
  seed: { kind: "integer", default: 1337, lib: "seed", help: "seeds the initial weights, the batches and dropout; nanoGPT's, the lib's DEFAULT_SEED" },
  dtype: { kind: ["float32", "float64"], default: "float32", lib: "dtype", help: "float32 trains fast; float64 is for checking" },
  threads: { kind: "integer", default: undefined, lib: "threads", help: "float32 kernel threads (default THELITTLEBABY_THREADS, else every core); the same numbers whatever it is" },
  help: { kind: "boolean", default: false, help: "print this help" },
};

export function helpText() {
  const lines = [
    "Usage: npm run train -- --out=FILE.safetensors [--name=value ...]",
    "",
    "Trains a character-level GPT on a text and writes a .safetensors checkpoint (nanoGPT's parameter names and",
    "shapes; the config, the characters and the run's settings in its metadata) at each evaluation and at the end.",
    "Options use nanoGPT's train.py names, as --name=value or --name value (booleans: --bias or --bias=false).",
    `Defaults: ${defaults}:`,
    "warmup_iters 100, min_lr 1e-4, beta2 0.99, eval_interval 250, eval_iters 20, weight_decay 0.1, grad_clip 1.",
    "--init_from=FILE.safetensors fine-tunes that checkpoint (its config and characters) on --data; --init_from=resume",
    "continues the run at --out from where it stopped (Ctrl-C, or --max_iters raised), to the last bit as if it had not.",
    "",
  ];
  for (const [name, o] of Object.entries(options)) {
    const kind = Array.isArray(o.kind) ? o.kind.join("|") : o.kind;
    const value = o.default === undefined ? "" : ` (default ${o.default})`;
    lines.push(`  --${name.padEnd(15)} ${kind.padEnd(15)} ${o.help}${value}`);
  }
  lines.push("", "Example: npm run train -- --out=out/shakespeare.safetensors --max_iters=500");
  return lines.join("\n");
}

function parseValue(name, { kind, min }, text, shown) {
  const fail = (what) => {
    throw new Error(`${shown}: ${name} must be ${what}`);
  };
  if (Array.isArray(kind)) return kind.includes(text) ? text : fail(`one of ${kind.join(", ")}`);
  if (kind === "string") return text === "" ? fail("a non-empty string") : text;
  if (kind === "boolean") return text === "true" ? true : text === "false" ? false : fail("true or false");
  const value = Number(text);
  const what = kind === "integer" ? "an integer" : "a number";
  if (text.trim() === "" || !Number.isFinite(value) || (kind === "integer" && !Number.isSafeInteger(value))) fail(what);
  if (min !== undefined && value < min) fail(`>= ${min}`);
  return value;
}

// "--nLayer" and "--n_layers" are near misses of --n_layer: say so.
function suggestion(name) {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const close = Object.keys(options).find((known) => known === snake || distance(known, snake) <= 2);
  return close === undefined ? "" : ` (did you mean --${close}?)`;
}

function distance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/** The options of a command line, defaults filled in; an unknown or malformed option is an error that says so. */
export function parseArguments(argv) {
  const given = givenArguments(argv);
  const result = {};
  for (const [name, o] of Object.entries(options)) result[name] = name in given ? given[name] : o.default;
  if (!result.help && result.out === undefined) throw new Error("--out is required, e.g. --out=out/shakespeare.safetensors (see --help)");
  return result;
}

/** Only the options the command line gives, as values. */
export function givenArguments(argv) {
  return Object.fromEntries(typedArguments(argv).map(({ name, text, shown }) => [name, parseValue(name, options[name], text, shown)]));
}

/** The options the command line gives, as typed: the name, the text of the value, and the option as an error shows it. */
export function typedArguments(argv) {
  const typed = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new Error(`unexpected argument ${JSON.stringify(arg)}; options look like --name=value (see --help)`);
    const [, name, inline] = match;
    const spec = options[name];
    if (spec === undefined) throw new Error(`--${name} is not an option${suggestion(name)}; see --help for the options`);
    if (typed.some((t) => t.name === name)) throw new Error(`--${name} is given twice`);
    let text = inline;
    let shown = `--${name}=${text}`;
    if (text === undefined) {
      if (spec.kind === "boolean" && (argv[i + 1] === undefined || argv[i + 1].startsWith("--"))) [text, shown] = ["true", `--${name}`];
      else if (argv[i + 1] === undefined) throw new Error(`--${name} needs a value`);
      else [text, shown] = [argv[i + 1], `--${name}=${argv[++i]}`];
    }
    typed.push({ name, text, shown });
  }
  return typed;
}

// The lib's option names and the flags they stand for (vocabSize has no flag; nanoGPT calls it vocab_size).
const FLAG_OF = new Map([
  ["vocabSize", "vocab_size"],
  ...Object.entries(options)
    .filter(([, o]) => o.lib !== undefined)
    .map(([name, o]) => [o.lib, name]),
]);
// A lib name as a word; "steps" after a count ("done 5 steps") is the noun, not the option.
const LIB_NAME = new RegExp(`\\b(${[...FLAG_OF.keys()].map((name) => (name === "steps" ? "(?<![0-9] )steps" : name)).join("|")})\\b`, "g");

// How a lib error begins: the function's name, "trainSettings: " or "GPT.create: ".
const LIB_FUNCTION = /^(?:[a-z][A-Za-z0-9]*|[A-Z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*): /;

/**
 * An error in the words of the command line: the lib's option names become the flags (nLayer: n_layer, steps:
 * max_iters), `{ warmupSteps: 5 }` becomes --warmup_iters=5, and the flags it speaks of lead it, as typed, in place
 * of the lib function's name: "GPT.create: nEmbd 128 is not divisible by nHead 3" from --n_head=3 reads
 * "--n_head=3: n_embd 128 is not divisible by n_head 3".
 */
export function inFlagTerms(message, argv) {
  if (!LIB_FUNCTION.test(message)) return message; // the script's own errors are written with the flags already
  const typed = typedArguments(argv);
  const body = flagWords(message);
  const named = typed.filter(({ name }) => options[name].lib !== undefined && new RegExp(`\\b${name}\\b`).test(body));
  if (named.length === 0) return body;
  // One flag at fault already shows its value: the lib's ", got 0" would say it twice.
  const said = named.length === 1 ? body.replace(/( must be [^;]*), got [^,;]*$/, "$1") : body;
  return `${named.map((t) => t.shown).join(" ")}: ${said}`;
}

/** A lib error's text in the flags' words, without the lib function's name. */
function flagWords(message) {
  return message
    .replace(LIB_FUNCTION, "")
    .replace(/\(\w+ in \w+, (--\w+) in npm run train\)/g, "($1)") // a hint for both: the flag is the one that applies
    .replace(/\{ (\w+): ([^{}]*) \}/g, (whole, name, value) => (FLAG_OF.has(name) ? `--${FLAG_OF.get(name)}=${value}` : whole))
    .replace(LIB_NAME, (name) => FLAG_OF.get(name))
    .replace(/\boption (?=[a-z0-9_]+ must be)/g, "");
}

/** What call() throws, said of one flag (a file it names, say), where the message alone does not name it. */
function asFlag(typed, name, call) {
  try {
    return call();
  } catch (error) {
    const { shown } = typed.find((t) => t.name === name);
    throw new Error(`${shown}: ${flagWords(error.message)}`, { cause: error });
  }
}

/** The command that reproduces a run: every option that differs from its default, in the order of --help. */
export function commandOf(args) {
  const parts = ["npm run train --"];
  for (const [name, o] of Object.entries(options)) {
    if (name === "help" || name === "threads" || args[name] === undefined || args[name] === o.default) continue;
    parts.push(`--${name}=${args[name]}`);
  }
  return parts.join(" ");
}

// What makes the model: fine-tuning and resuming take it from the checkpoint (as nanoGPT's init_from does).
const MODEL_OPTIONS = ["n_layer", "n_head", "n_embd", "block_size", "bias", "norm"];
// What a resumed run may change: where it is, how far it goes, how often it prints.
const RESUMABLE = ["out", "init_from", "max_iters", "log_interval"];

/** The run to continue at --out: its checkpoint, its state and the arguments it was started with. */
function resumedRun(lib, out, args, given, typed) {
  for (const file of [out, lib.trainStatePath(out)]) {
    if (!existsSync(file)) throw new Error(`--init_from=resume continues the run written to --out=${args.out}, and there is no ${file} (a run writes it, with its .resume.safetensors, at each evaluation and on Ctrl-C)`);
  }
  const { checkpoint, state, saved } = asFlag(typed, "init_from", () => {
    const checkpoint = lib.readCheckpoint(out);
    const state = lib.readTrainState(out, checkpoint.model);
    if (state.metadata.arguments === undefined) throw new Error(`${lib.trainStatePath(out)} does not say the arguments its run was started with`);
    return { checkpoint, state, saved: JSON.parse(state.metadata.arguments) };
  });
  for (const [name, value] of Object.entries(given)) {
    if (!RESUMABLE.includes(name) && value !== saved[name]) {
      throw new Error(`--${name}=${value}: --init_from=resume continues the run as it was started (${checkpoint.metadata.command}), with ${name} ${saved[name]}`);
    }
  }
  const resumed = { ...saved, out: args.out, max_iters: given.max_iters ?? saved.max_iters, log_interval: given.log_interval ?? saved.log_interval };
  return { checkpoint, state, args: resumed };
}

// Where the checkpoint goes is checked before training, not at the first save.
function checkOut(given, out) {
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new Error(`--out=${given}: there is no folder ${dirname(out)} to write into`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new Error(`--out=${given}: a folder; give a file name, e.g. ${given}/model.safetensors`);
}

/** The text of --data (relative to the project): a missing file or a folder is an error naming the option. */
function readData(data) {
  const path = resolve(repoRoot, data);
  if (!existsSync(path)) throw new Error(`--data=${data}: there is no file ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`--data=${data}: a folder (${path}); give a text file`);
  if (!statSync(path).isFile()) throw new Error(`--data=${data}: ${path} is not a regular file; give a text file`);
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`--data=${data}: cannot read ${path}: ${error.message}`, { cause: error });
  }
}

async function main(argv) {
  const typed = typedArguments(argv);
  const given = givenArguments(argv);
  let args = parseArguments(argv);
  if (args.help) {
    console.log(helpText());
    return;
  }
  const lib = await import(pathToFileURL(resolve(repoRoot, "lib/dist/index.js")).href);
  if (args.threads !== undefined) lib.setThreads(args.threads);
  const out = resolve(process.cwd(), args.out);
  checkOut(args.out, out);
  let model, tokenizer, dataset, command, resume;
  let evaluations = []; // what the model writes at each evaluation, with the losses (kept in the checkpoint)
  let fineTuned = {}; // for a fine-tune, what the checkpoint's "training" metadata adds
  if (args.init_from === "resume") {
    const run = resumedRun(lib, out, args, given, typed);
    args = run.args;
    resume = run.state;
    ({ model, tokenizer } = run.checkpoint);
    const text = readData(args.data);
    const tokens = tokenizer.encode(text, args.unknown_chars === "replace" ? { replacement: args.replacement_char } : {});
    dataset = new lib.TextDataset(tokens, tokenizer);
    evaluations = JSON.parse(run.checkpoint.metadata.evaluations);
    command = run.checkpoint.metadata.command;
    const training = JSON.parse(run.checkpoint.metadata.training);
    fineTuned = Object.fromEntries(["init_from", "added", "replaced"].filter((key) => key in training).map((key) => [key, training[key]]));
  } else {
    const text = readData(args.data);
    command = commandOf(args);
    if (args.init_from === "scratch") {
      dataset = lib.TextDataset.fromText(text);
      tokenizer = dataset.tokenizer;
      const config = lib.gptConfig({
        vocabSize: dataset.vocabSize,
        blockSize: args.block_size,
        nLayer: args.n_layer,
        nHead: args.n_head,
        nEmbd: args.n_embd,
        dropout: args.dropout,
        bias: args.bias,
        norm: args.norm,
      });
      model = lib.GPT.create(config, { seed: args.seed, dtype: args.dtype });
    } else {
      for (const name of MODEL_OPTIONS) {
        if (name in given) throw new Error(`--${name}=${given[name]}: ${name} comes from the checkpoint when fine-tuning (--init_from=${args.init_from}); leave it out`);
      }
      const checkpoint = asFlag(typed, "init_from", () => lib.readCheckpoint(resolve(process.cwd(), args.init_from), { dtype: args.dtype }));
      const setup = lib.prepareFineTune(checkpoint, text, { unknownChars: args.unknown_chars, replacement: args.replacement_char, seed: args.seed });
      ({ model, tokenizer, dataset } = setup);
      if (args.dropout !== model.config.dropout) {
        // Dropout is a training choice, the one a fine-tune may change (as nanoGPT's init_from lets it).
        const tensors = new Map(model.parameters.map((p) => [p.name, p]));
        model = lib.GPT.fromParameters(lib.gptConfig({ ...model.config, dropout: args.dropout }), tensors, { dtype: model.dtype });
      }
      fineTuned = { init_from: args.init_from };
      if (setup.added.length > 0) {
        fineTuned.added = setup.added;
        console.log(`${setup.added.length} new characters in the vocabulary (ids ${tokenizer.vocabSize - setup.added.length} on): ${setup.added.map((c) => JSON.stringify(c)).join(" ")}`);
      }
      if (setup.replaced.length > 0) {
        fineTuned.replaced = setup.replaced;
        console.log(`${setup.replaced.length} characters replaced by ${JSON.stringify(args.replacement_char)}: ${setup.replaced.map((c) => JSON.stringify(c)).join(" ")}`);
      }
    }
  }
  const trainOptions =
    resume !== undefined
      ? { resume, steps: args.max_iters }
      : {
          steps: args.max_iters,
          batchSize: args.batch_size,
          learningRate: args.learning_rate,
          minLr: args.min_lr,
          warmupSteps: args.warmup_iters,
          decaySteps: args.lr_decay_iters,
          weightDecay: args.weight_decay,
          beta1: args.beta1,
          beta2: args.beta2,
          gradClip: args.grad_clip,
          evalInterval: args.eval_interval,
          evalBatches: args.eval_iters,
          seed: args.seed,
        };
  if (resume !== undefined && args.max_iters <= resume.step) {
    throw new Error(`${"max_iters" in given ? `--max_iters=${args.max_iters}: ` : ""}the run at --out=${args.out} has done ${resume.step} steps already; pass --max_iters above ${resume.step} to go further`);
  }
  const settings = lib.trainSettings(model, trainOptions);
  const statePath = lib.trainStatePath(out);
  const parameters = model.parameters.reduce((n, p) => n + p.data.length, 0);
  console.log(resume === undefined ? command : `resuming at step ${resume.step} of ${settings.steps}: ${command}`);
  console.log(`${parameters.toLocaleString("en-US")} parameters, ${dataset.train.length.toLocaleString("en-US")} training and ${dataset.val.length.toLocaleString("en-US")} validation characters, ${model.dtype}`);

  // What the model writes at each evaluation (seeded, from a newline as nanoGPT's sample.py): the checkpoint keeps
  // them with the losses, so that a notebook can show the model improving without training it again.
  const record = (progress) => {
    const sample = lib.generate(model, tokenizer, "\n", { maxNewTokens: 200, seed: lib.DEFAULT_SEED }).slice(1);
    evaluations.push({ step: progress.step, valLoss: progress.valLoss, sample });
  };
  // The weights and, beside them, the run's state (to resume it); each written beside, then renamed: an interrupted
  // write never leaves a truncated file behind (and a state file from another moment fails its fingerprint check).
  const save = (progress, state) => {
    lib.saveTrainState(`${statePath}.partial`, model, state(), { metadata: { arguments: JSON.stringify(args) } });
    lib.saveCheckpoint(`${out}.partial`, model, {
      tokenizer,
      metadata: {
        command,
        training: JSON.stringify({ ...settings, step: progress.step, valLoss: progress.valLoss, data: args.data, ...fineTuned }),
        evaluations: JSON.stringify(evaluations),
      },
    });
    renameSync(`${statePath}.partial`, statePath);
    renameSync(`${out}.partial`, out);
  };

  const first = resume?.step ?? 0;
  const tty = process.stdout.isTTY === true;
  let lastDraw = 0;
  const barWidth = 24;
  const onProgress = (p, state) => {
    const line = lib.progressLine(p);
    if (p.valLoss !== undefined && resume !== undefined && p.step === first) {
      process.stdout.write(`step ${p.step}: val loss ${p.valLoss.toFixed(4)}, resumed\n`);
    } else if (p.valLoss !== undefined) {
      record(p);
      if (p.step > 0) save(p, state);
      const saved = p.step > 0 ? `, saved ${args.out}` : "";
      process.stdout.write(`${tty ? "\r\x1b[K" : ""}step ${p.step}: val loss ${p.valLoss.toFixed(4)}${saved}\n`);
    }
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < 100 && p.step !== p.steps) return;
      lastDraw = now;
      const filled = Math.round((barWidth * p.step) / p.steps);
      // Cut to the terminal's width: a wrapped line would not be rewritten in place by the next \r.
      const bar = `[${"#".repeat(filled)}${".".repeat(barWidth - filled)}] ${line}`;
      process.stdout.write(`\r\x1b[K${bar.slice(0, (process.stdout.columns || 200) - 1)}`);
      if (p.step === p.steps) process.stdout.write("\n");
    } else if (p.step > first && (p.step % args.log_interval === 0 || p.step === p.steps)) {
      process.stdout.write(`${line}\n`);
    }
  };
  const { history, interrupted, state } = await lib.train(model, dataset, trainOptions, onProgress);
  if (interrupted) {
    // Ctrl-C: train() stopped after the step it was in; keep what was learned, and where the run is.
    const last = history[history.length - 1];
    if (last.step > first) save(last, () => state);
    const kept = last.step > first ? `checkpoint ${args.out} (no evaluation at this step); --init_from=resume continues it` : "nothing new trained, nothing written";
    process.stdout.write(`${tty ? "\n" : ""}interrupted after step ${last.step}: ${kept}\n`);
    process.exitCode = 130;
    return;
  }
  const final = evaluations[evaluations.length - 1];
  console.log(`done: val loss ${final.valLoss.toFixed(4)} after ${final.step} steps; checkpoint ${args.out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  main(argv).catch((error) => {
    console.error(inFlagTerms(error instanceof Error ? error.message : String(error), argv));
    process.exit(1);
  });
}
