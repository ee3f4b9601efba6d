// The lib's side of scripts/checkpoint_roundtrip.py (run `npm run build` first). Prints JSON on stdout.
//   logits FILE DTYPE  < {"tokens": [...], "targets": [...], "batch": B, "time": T}
//       the logits and loss of the checkpoint's model on that batch;
//   create CONFIG_JSON SEED OUT
//       writes the checkpoint of GPT.create(gptConfig(CONFIG), { seed: SEED }), before any training;
//   train CONFIG_JSON OPTIONS_JSON DTYPE
//       trains GPT.create(CONFIG, { seed: OPTIONS.seed }) on data/tinyshakespeare.txt with train(OPTIONS);
//       the loss of every step and every evaluation.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./repo.mjs";

const lib = await import(pathToFileURL(resolve(repoRoot, "lib/dist/index.js")).href);
const [command, ...args] = process.argv.slice(2);

if (command === "logits") {
  const model = lib.loadCheckpoint(args[0], { dtype: args[1] });
  const { tokens, targets, batch, time } = JSON.parse(readFileSync(0, "utf8"));
  const { logits, loss } = model.forward(tokens, batch, time, { targets });
  process.stdout.write(JSON.stringify({ logits: Array.from(logits), loss }));
} else if (command === "create") {
  lib.saveCheckpoint(args[2], lib.GPT.create(lib.gptConfig(JSON.parse(args[0])), { seed: Number(args[1]) }));
} else if (command === "train") {
  const options = JSON.parse(args[1]);
  const model = lib.GPT.create(lib.gptConfig(JSON.parse(args[0])), { seed: options.seed, dtype: args[2] });
  const dataset = lib.TextDataset.fromText(lib.readDataText("tinyshakespeare.txt"));
  const { history, evaluations } = await lib.train(model, dataset, options);
  process.stdout.write(JSON.stringify({ trainLosses: history.slice(1).map((p) => p.trainLoss), evaluations }));
} else {
  console.error("usage: node scripts/checkpoint_roundtrip_lib.mjs logits|create|train ... (see the comment at the top)");
  process.exit(1);
}
