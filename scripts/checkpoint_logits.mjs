// The lib's side of scripts/checkpoint_roundtrip.py (run `npm run build` first):
//   node scripts/checkpoint_logits.mjs FILE --dtype=float64 < {"tokens": [...], "targets": [...], "batch": B, "time": T}
//     prints {"logits": [...], "loss": x} of the checkpoint's model on that batch;
//   node scripts/checkpoint_logits.mjs --create CONFIG_JSON --seed=N --out=FILE
//     writes the checkpoint of GPT.create(gptConfig(CONFIG), { seed: N }) before any training.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./repo.mjs";

const lib = await import(pathToFileURL(resolve(repoRoot, "lib/dist/index.js")).href);
const args = process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

if (args[0] === "--create") {
  const model = lib.GPT.create(lib.gptConfig(JSON.parse(args[1])), { seed: Number(option("seed")) });
  lib.saveCheckpoint(option("out"), model);
} else {
  const model = lib.loadCheckpoint(args[0], { dtype: option("dtype") ?? "float64" });
  const { tokens, targets, batch, time } = JSON.parse(readFileSync(0, "utf8"));
  const { logits, loss } = model.forward(tokens, batch, time, { targets });
  process.stdout.write(JSON.stringify({ logits: Array.from(logits), loss }));
}
