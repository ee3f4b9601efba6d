// The generation rows of npm run bench: characters per second of the lib's generate with the KV cache (the default)
// and without ({ cache: false }, every character runs the whole context), beside PyTorch's nanoGPT-style generate
// of the same weights (bench/torch_generate.py: no cache, the context cropped to block_size), one thread each.
//
// Cases: context 64 on the committed model (data/shakespeare-char.safetensors), 64 characters from "\n" (the
// window fills, never slides) and 256 (three quarters past the context, where the window slides every step and the
// exact cache recomputes it: no saving); context 256 on a randomly initialised model of the same recipe (4 layers,
// 4 heads, 128 wide, seed 1337) with blockSize 256, written to a temporary checkpoint for both sides: its text is
// noise, its speed is a trained model's. Each run is a fresh process: warmup of 8 characters, then the median of
// `repeats` timed calls; the sides alternate, `rounds` times, so load on the machine hits them alike, and the
// ratios are per round. Run by bench.mjs (`npm run bench -- generation`), or alone: node bench/generation.mjs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(import.meta.url);
const lib = new URL("../lib/dist/index.js", import.meta.url).href;
const torchScript = fileURLToPath(new URL("./torch_generate.py", import.meta.url));
const ROUNDS = 3;
const RECIPE = { nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, norm: "pre" };

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

// One side of one case, in this fresh process: prints { chars_per_second, cpu_chars_per_second }.
async function runChild({ path, newTokens, cache, repeats }) {
  const { readCheckpoint, generate } = await import(lib);
  const { model, tokenizer } = readCheckpoint(path);
  generate(model, tokenizer, "\n", { maxNewTokens: 8, seed: 1, cache });
  const times = [], cpuTimes = [];
  for (let r = 0; r < repeats; r++) {
    globalThis.gc();
    const t0 = performance.now(), c0 = process.cpuUsage();
    generate(model, tokenizer, "\n", { maxNewTokens: newTokens, seed: 1337 + r, cache });
    times.push((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(c0);
    cpuTimes.push((cpu.user + cpu.system) / 1e6);
  }
  console.log(JSON.stringify({ chars_per_second: newTokens / median(times), cpu_chars_per_second: newTokens / median(cpuTimes) }));
}

/** The Python with PyTorch: TORCH_PYTHON when set, else Debian's /usr/bin/python3; null when it has no torch. */
function torchPython() {
  const python = process.env.TORCH_PYTHON ?? "/usr/bin/python3";
  if (!existsSync(python)) return null;
  return spawnSync(python, ["-c", "import torch"], { encoding: "utf8" }).status === 0 ? python : null;
}

function runJs(spec) {
  const child = spawnSync(process.execPath, ["--expose-gc", here, "--child", JSON.stringify(spec)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`generation row ${JSON.stringify(spec)} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout);
}

function runTorch(python, { path, newTokens, repeats }) {
  const child = spawnSync(python, [torchScript, path, String(newTokens), String(repeats), "1"], {
    encoding: "utf8",
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
  });
  if (child.status !== 0) throw new Error(`bench/torch_generate.py failed:\n${child.stderr}`);
  return JSON.parse(child.stdout);
}

/** A checkpoint of the recipe's model with a context of 256, randomly initialised, with the committed vocabulary. */
async function wideContextCheckpoint() {
  const { GPT, gptConfig, dataPath, readCheckpoint, saveCheckpoint } = await import(lib);
  const { tokenizer } = readCheckpoint(dataPath("shakespeare-char.safetensors"));
  const model = GPT.create(gptConfig({ ...RECIPE, vocabSize: tokenizer.vocabSize, blockSize: 256 }), { seed: 1337 });
  const path = join(mkdtempSync(join(tmpdir(), "bench-generation-")), "context-256.safetensors");
  saveCheckpoint(path, model, { tokenizer });
  return path;
}

export async function generationRows() {
  const { dataPath } = await import(lib);
  const committed = dataPath("shakespeare-char.safetensors");
  const cases = [
    { context: 64, what: "committed model", path: committed, newTokens: 64, repeats: 3 },
    { context: 64, what: "committed model, 3/4 past the context", path: committed, newTokens: 256, repeats: 1 },
    { context: 256, what: "random init, recipe width", path: await wideContextCheckpoint(), newTokens: 256, repeats: 1 },
  ];
  const python = torchPython();
  console.log(`\nGeneration: characters per second after "\\n", float32, temperature 1, one thread; the lib with the KV cache (default) and without ` +
    `({ cache: false }), PyTorch's nanoGPT generate (no cache, context cropped to block_size) on the same weights; ${ROUNDS} alternating rounds, a fresh process per run`);
  if (python === null) console.log(`PyTorch: not found (TORCH_PYTHON, else /usr/bin/python3, with torch); its column and ratios are left out`);
  const header = ["context", "model", "chars", "side", "chars/s", "chars/s per run", "chars/CPU-s", "x PyTorch", "x PyTorch (CPU)"];
  const lines = [];
  let torchVersion = "";
  for (const c of cases) {
    const runs = { "lib, KV cache": [], "lib, no cache": [], "PyTorch, nanoGPT generate": [] };
    const [cached, plain, torch] = Object.values(runs);
    for (let r = 0; r < ROUNDS; r++) {
      cached.push(runJs({ path: c.path, newTokens: c.newTokens, cache: true, repeats: c.repeats }));
      plain.push(runJs({ path: c.path, newTokens: c.newTokens, cache: false, repeats: c.repeats }));
      if (python !== null) {
        const t = runTorch(python, c);
        torchVersion = `${t.torch} (${t.python}, ${t.threads} thread)`;
        torch.push(t);
      }
    }
    const ratio = (side, key) => (torch.length === 0 ? "" : median(side.map((x, i) => x[key] / torch[i][key])).toFixed(2));
    for (const [name, side] of Object.entries(runs)) {
      if (side.length === 0) continue;
      lines.push([
        String(c.context), c.what, String(c.newTokens), name, median(side.map((x) => x.chars_per_second)).toFixed(0),
        side.map((x) => x.chars_per_second.toFixed(0)).join(" "), median(side.map((x) => x.cpu_chars_per_second)).toFixed(0),
        side === torch ? "" : ratio(side, "chars_per_second"), side === torch ? "" : ratio(side, "cpu_chars_per_second"),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const line of lines) console.log(format(line));
  if (torchVersion) console.log(`PyTorch ${torchVersion}; "x PyTorch" is the median of the per-round ratios, by the wall clock and by each process's CPU time`);
  console.log(`load average when the generation rows ended: ${loadavg().map((x) => x.toFixed(2)).join(", ")} (1, 5, 15 min) on ${cpus().length} cores`);
}

if (process.argv[2] === "--child") await runChild(JSON.parse(process.argv[3]));
else if (process.argv[1] === here) await generationRows();
