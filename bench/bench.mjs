// npm run bench: times the matmul and attention kernels of the built lib (lib/dist) against the readable
// reference, ml-matrix and, where Debian's python3-numpy is installed, numpy, and prints one table; then the
// GPT's float32 training step against PyTorch's (TORCH_PYTHON's torch, else Debian's python3-torch), at one thread
// and at every core each.
// A benchmark, not a test: nothing here fails on speed. Run `npm run build` first (npm run bench does).
// `npm run bench -- training` (or matmul, attention, generation, any of them) runs only those rows.
//
// Method, for every row:
// - each JavaScript row runs in its own fresh node process (--expose-gc), so one kernel's JIT state or
//   garbage never touches another's; causal and full attention of one kernel share a process and run
//   interleaved, so their ratio is measured under the same load;
// - warmup: 5 runs at a small size (JIT), then 1 run at full size; a row whose full-size run takes over
//   2 s reports that single run; otherwise the median of at least 3 runs (up to 15, or 1.5 s);
// - garbage is collected before each timed run, outside the timing;
// - peak memory: the growth of the process's peak resident set (getrusage maxRSS) over its first full-size
//   run, inputs already built and garbage collected: what one call adds (0 when it fits in memory the
//   process already had). numpy: tracemalloc's peak over one untimed run (numpy's own allocations);
// - GFLOP/s: matmul 2 n^3 / time; attention 4 T^2 d / time (Q K^T and weights V; softmax not counted),
//   the same count for causal, which does about half of it: its GFLOP/s is "as if full";
// - "x ref": the reference kernel's time / this row's time (same size); "x numpy": numpy's time / this
//   row's time for the same size and dtype (so 0.05 means 5% of numpy's speed).
// The training row: see runTraining and trainingRows.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { generationRows } from "./generation.mjs";

const MATMUL_SIZES = [64, 128, 256, 512, 1024];
const ATTENTION_LENGTHS = [128, 512, 1024];
const D = 64;
const NUMPY_PYTHON = "/usr/bin/python3";
const ROWS = ["matmul", "attention", "training", "generation"];
// nanoGPT's CPU recipe (shakespeare_char on a laptop) with the 65 characters of tinyshakespeare
const TRAINING = {
  config: { vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false, norm: "pre" },
  batch: 12,
  steps: 20, // timed steps per run, after 3 warmup steps and 1 step for the memory peak
  rounds: 3, // runs of each row, alternating, so that load on the machine hits all alike
};
// The PyTorch to compare with: TORCH_PYTHON (e.g. a venv with the PyPI wheel, `pip install torch`: what a user
// installs), else Debian's python3-torch.
const TORCH_PYTHON = process.env.TORCH_PYTHON || NUMPY_PYTHON;
const here = fileURLToPath(import.meta.url);
const lib = new URL("../lib/dist/index.js", import.meta.url).href;

// ---------- one row, in a child process ----------

// A fixed pseudo-random sequence so that every process multiplies the same numbers.
function seededMatrix(Matrix, rows, cols, dtype, seed) {
  let state = seed >>> 0;
  return Matrix.generate(rows, cols, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  }, { dtype });
}

async function makeRun(spec, n) {
  const api = await import(lib);
  const { Matrix, matmul, matmulReference, attention, transpose, scale, softmaxRows } = api;
  const dtype = spec.impl === "wasm" ? "float32" : "float64";
  if (spec.op === "matmul") {
    const a = seededMatrix(Matrix, n, n, dtype, 1);
    const b = seededMatrix(Matrix, n, n, dtype, 2);
    if (spec.impl === "reference") return () => matmulReference(a, b);
    if (spec.impl === "ml-matrix") {
      const { Matrix: MlMatrix } = await import("ml-matrix");
      const [ma, mb] = [new MlMatrix(a.toArray()), new MlMatrix(b.toArray())];
      return () => ma.mmul(mb);
    }
    return () => matmul(a, b, { kernel: spec.impl });
  }
  const [q, k, v] = [1, 2, 3].map((seed) => seededMatrix(Matrix, n, D, dtype, seed));
  if (spec.impl === "reference") {
    // The step-by-step composition a learner reads: K^T, Q K^T, scale, mask, softmax, weights V.
    return () => {
      const scores = scale(matmulReference(q, transpose(k)), 1 / Math.sqrt(D));
      if (spec.causal) for (let i = 0; i < n; i++) scores.data.fill(-Infinity, i * n + i + 1, (i + 1) * n);
      return matmulReference(softmaxRows(scores), v);
    };
  }
  return () => attention(q, k, v, { causal: spec.causal, scale: true, kernel: spec.impl });
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

// Copy-in/copy-out cost of the wasm path: the same Float32Array copies it makes, alone.
function copyMs(spec) {
  const n = spec.n;
  const sizes = spec.op === "matmul" ? { in: [n * n, n * n], out: n * n } : { in: [n * D, n * D, n * D], out: n * D };
  const memory = new Float32Array(sizes.in.reduce((x, y) => x + y, 0) + sizes.out);
  const inputs = sizes.in.map((length) => new Float32Array(length).fill(1));
  const times = [];
  for (let r = 0; r < 20; r++) {
    const t0 = performance.now();
    let offset = 0;
    for (const input of inputs) {
      memory.set(input, offset);
      offset += input.length;
    }
    memory.slice(offset, offset + sizes.out);
    times.push(performance.now() - t0);
  }
  return median(times);
}

// Times one row, or several interleaved (causal and full attention), so that a burst of load on a shared
// machine hits them alike and their ratio holds. Rows must come in ascending order of memory use.
async function runCases(specs) {
  const runs = [];
  for (const spec of specs) {
    const warm = await makeRun(spec, 64);
    for (let r = 0; r < 5; r++) warm();
    runs.push(await makeRun(spec, spec.n));
  }
  globalThis.gc();
  const rssBefore = process.resourceUsage().maxRSS;
  const peaks = [];
  const firsts = runs.map((run) => {
    const t0 = performance.now();
    run();
    peaks.push((process.resourceUsage().maxRSS - rssBefore) * 1024);
    return performance.now() - t0;
  });
  const times = runs.map(() => []);
  if (Math.max(...firsts) > 2000) firsts.forEach((first, i) => times[i].push(first));
  else {
    const start = performance.now();
    while (times[0].length < 3 || (times[0].length < 15 && performance.now() - start < 1500 * specs.length)) {
      runs.forEach((run, i) => {
        globalThis.gc();
        const t0 = performance.now();
        run();
        times[i].push(performance.now() - t0);
      });
    }
  }
  specs.forEach((spec, i) => {
    const result = { ...spec, ms: median(times[i]), runs: times[i].length, peakBytes: peaks[i] };
    if (spec.impl === "wasm") result.copyMs = copyMs(spec);
    console.log(JSON.stringify(result));
  });
}

// ---------- the training row, in a child process ----------

function resourcePeak() {
  return process.resourceUsage().maxRSS * 1024;
}

// One float32 training step of the recipe, as bench/torch_train.py times it: forward with the loss, backward,
// clipping to norm 1, AdamW. Prints the same JSON fields as torch_train.py.
async function runTraining(threads) {
  const { GPT, AdamW, clipGradNorm, gptConfig, setThreads, wideKernel } = await import(lib);
  setThreads(threads);
  const { config, batch: B, steps } = TRAINING;
  const T = config.blockSize;
  const model = GPT.create(gptConfig(config), { seed: 1337, dtype: "float32" });
  const optimizer = new AdamW(model.parameters, { lr: 1e-3, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 });
  let state = 1337;
  const token = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % config.vocabSize;
  };
  const x = Array.from({ length: B * T }, token), y = Array.from({ length: B * T }, token);
  const step = () => {
    model.zeroGrad();
    model.forward(x, B, T, { targets: y, training: true });
    model.backward();
    clipGradNorm(model.parameters, 1.0);
    optimizer.step();
  };
  for (let i = 0; i < 3; i++) step();
  globalThis.gc();
  const before = resourcePeak();
  step();
  const peakStep = resourcePeak() - before;
  const times = [], cpuTimes = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now(), cpu0 = process.cpuUsage();
    step();
    times.push((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    cpuTimes.push((cpu.user + cpu.system) / 1e6);
  }
  const seconds = median(times), cpuSeconds = median(cpuTimes);
  console.log(JSON.stringify({
    node: process.version, kernel: wideKernel() ? "4x16 revectorized" : "4x8", threads, seconds_per_step: seconds, tokens_per_second: (B * T) / seconds,
    cpu_seconds_per_step: cpuSeconds, cpu_tokens_per_second: (B * T) / cpuSeconds, peak_rss_bytes: resourcePeak(), peak_step_bytes: peakStep,
  }));
}

// ---------- the whole table ----------

// Each entry: the rows one child process times together.
function jsCases() {
  const cases = [];
  for (const n of MATMUL_SIZES) {
    for (const impl of ["reference", "packed", "ml-matrix", "wasm"]) cases.push([{ op: "matmul", impl, n }]);
  }
  for (const n of ATTENTION_LENGTHS) {
    for (const impl of ["reference", "packed", "wasm"]) cases.push([true, false].map((causal) => ({ op: "attention", impl, n, causal })));
  }
  return cases;
}

function runChild(specs) {
  const child = spawnSync(process.execPath, ["--expose-gc", here, "--case", JSON.stringify(specs)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`bench case ${JSON.stringify(specs)} failed:\n${child.stderr}`);
  return child.stdout.trim().split("\n").map((line) => JSON.parse(line));
}

function runNumpy(env, label) {
  const spec = { matmul: MATMUL_SIZES, attention: ATTENTION_LENGTHS, d: D };
  const child = spawnSync(NUMPY_PYTHON, [new URL("./numpy_bench.py", import.meta.url).pathname, JSON.stringify(spec)], {
    encoding: "utf8",
    env: { ...env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
  });
  if (child.status !== 0) {
    console.log(`numpy (${label}): failed to run, its rows are left out:\n${child.stderr.trim().split("\n").slice(-3).join("\n")}`);
    return null;
  }
  return JSON.parse(child.stdout);
}

function numpyAvailable() {
  if (!existsSync(NUMPY_PYTHON)) return false;
  return spawnSync(NUMPY_PYTHON, ["-c", "import numpy"], { encoding: "utf8" }).status === 0;
}

const flopCount = (row) => (row.op === "matmul" ? 2 * row.n ** 3 : 4 * row.n * row.n * D);
const dtypeOf = (row) => row.dtype ?? (row.impl === "wasm" ? "float32" : "float64");
const sameCase = (x, y) => x.op === y.op && x.n === y.n && Boolean(x.causal) === Boolean(y.causal);

function formatBytes(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(0, bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function printTable(rows, numpy) {
  const header = ["op", "size", "kernel", "dtype", "median ms", "runs", "GFLOP/s", "peak mem", "x ref", "x numpy", "note"];
  const lines = rows.map((row) => {
    const reference = rows.find((r) => r.impl === "reference" && sameCase(r, row));
    const np = numpy?.cases.find((c) => sameCase(c, row) && c.dtype === dtypeOf(row));
    const size = row.op === "matmul" ? `n=${row.n}` : `T=${row.n} d=${D}${row.causal ? " causal" : ""}`;
    const note = row.copyMs !== undefined ? `copy in/out ${row.copyMs.toFixed(3)} ms` : "";
    return [
      row.op, size, row.impl, dtypeOf(row), row.ms.toFixed(3), String(row.runs), (flopCount(row) / row.ms / 1e6).toFixed(2),
      formatBytes(row.peakBytes), reference ? (reference.ms / row.ms).toFixed(1) : "", np ? (np.ms / row.ms).toFixed(3) : "", note,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const line of lines) console.log(format(line));
}

function numpyRows(numpy, label) {
  return numpy.cases.map((c) => ({ ...c, impl: `numpy ${label}` }));
}

function printTargets(rows, numpy) {
  const find = (impl, op, n, causal = false) => rows.find((r) => r.impl === impl && r.op === op && r.n === n && Boolean(r.causal) === causal);
  const np = (dtype, op, n, causal = false) => numpy?.cases.find((c) => c.dtype === dtype && c.op === op && c.n === n && Boolean(c.causal) === causal);
  const gflops = (row) => flopCount(row) / row.ms / 1e6;
  const verdict = (ok) => (ok ? "holds" : "MISSED");
  console.log("\nTargets (this run):");
  for (const n of [256, 512, 1024]) {
    const packed = find("packed", "matmul", n), ml = find("ml-matrix", "matmul", n), wasm = find("wasm", "matmul", n);
    const np64 = np("float64", "matmul", n), np32 = np("float32", "matmul", n);
    console.log(`  n=${n}: packed f64 ${gflops(packed).toFixed(2)} GFLOP/s (>= 4: ${verdict(gflops(packed) >= 4)})` +
      `, ${(ml.ms / packed.ms).toFixed(1)}x ml-matrix (>= 4: ${verdict(ml.ms / packed.ms >= 4)})` +
      (np64 ? `, ${(np64.ms / packed.ms).toFixed(3)}x numpy f64 (>= 0.05: ${verdict(np64.ms / packed.ms >= 0.05)})` : ""));
    console.log(`  n=${n}: wasm f32 ${gflops(wasm).toFixed(2)} GFLOP/s (>= 40: ${verdict(gflops(wasm) >= 40)})` +
      (np32 ? `, ${(np32.ms / wasm.ms).toFixed(3)}x numpy f32 (>= 0.2: ${verdict(np32.ms / wasm.ms >= 0.2)})` : ""));
  }
  const T = 1024;
  for (const impl of ["packed", "wasm"]) {
    const full = find(impl, "attention", T), causal = find(impl, "attention", T, true);
    const limit = impl === "packed" ? 10 : 4;
    const npRef = np(impl === "packed" ? "float64" : "float32", "attention", T);
    const against = npRef ? `, ${(full.ms / npRef.ms).toFixed(1)}x numpy ${dtypeOf(npRef)}'s time (<= ${limit}: ${verdict(full.ms / npRef.ms <= limit)})` : "";
    const np64 = impl === "wasm" ? np("float64", "attention", T) : null;
    const against64 = np64 ? `, ${(full.ms / np64.ms).toFixed(1)}x numpy float64's` : "";
    console.log(`  attention T=${T} d=${D} ${impl}: ${full.ms.toFixed(1)} ms${against}${against64}; causal/full ${(causal.ms / full.ms).toFixed(2)} (<= 0.6: ${verdict(causal.ms / full.ms <= 0.6)})`);
  }
}

// ---------- the training table ----------

function torchAvailable() {
  if (!existsSync(TORCH_PYTHON)) return false;
  return spawnSync(TORCH_PYTHON, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
}

function runTorch(env, threads) {
  const { config, batch, steps } = TRAINING;
  const count = String(threads);
  const child = spawnSync(TORCH_PYTHON, [new URL("./torch_train.py", import.meta.url).pathname, JSON.stringify(config), String(batch), String(steps), count], {
    encoding: "utf8",
    env: { ...env, OPENBLAS_NUM_THREADS: count, OMP_NUM_THREADS: count, MKL_NUM_THREADS: count },
  });
  if (child.status !== 0) throw new Error(`bench/torch_train.py failed:\n${child.stderr}`);
  return JSON.parse(child.stdout);
}

function runTrainingChild(threads) {
  const child = spawnSync(process.execPath, ["--expose-gc", here, "--training", String(threads)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`the training row failed:\n${child.stderr}`);
  return JSON.parse(child.stdout);
}

const loadText = () => `load average ${loadavg().map((x) => x.toFixed(2)).join(", ")} (1, 5, 15 min) on ${cpus().length} cores`;
const thousands = (x) => Math.round(x).toLocaleString("en-US");
const threadsText = (n) => `${n} thread${n === 1 ? "" : "s"}`;

// Four rows, this lib and PyTorch at one thread and at every core, TRAINING.rounds runs each, alternating (lib 1,
// PyTorch 1, lib all, PyTorch all, then again), each run a fresh process reporting the median of its steps. The
// table gives each row's median run; "best" is the faster of a side's two rows.
function trainingRows() {
  const { config, batch, rounds } = TRAINING;
  const cores = availableParallelism();
  const counts = cores > 1 ? [1, cores] : [1];
  const withTorch = torchAvailable();
  console.log(`\nTraining step: nanoGPT's CPU recipe (${config.nLayer} layers, ${config.nHead} heads, ${config.nEmbd} wide, context ${config.blockSize}, ` +
    `batch ${batch}, vocab ${config.vocabSize}), float32, forward + backward + clipGradNorm + AdamW; ${rounds} alternating runs of ${TRAINING.steps} steps per row`);
  console.log(`node ${process.version}; ${cpus()[0]?.model ?? "unknown CPU"}, ${cores} cores available; at the start: ${loadText()}`);
  if (!withTorch) {
    console.log(`PyTorch: not found (${TORCH_PYTHON} with torch); its rows and the ratio are left out. To add them: TORCH_PYTHON=/path/to/python-with-torch, or sudo apt-get install python3-torch`);
  }
  const rows = [];
  for (const threads of counts) {
    rows.push({ side: "lib", threads, runs: [] });
    if (withTorch) rows.push({ side: "PyTorch", threads, runs: [] });
  }
  for (let r = 0; r < rounds; r++) {
    for (const row of rows) row.runs.push(row.side === "lib" ? runTrainingChild(row.threads) : runTorch(process.env, row.threads));
  }
  const medianRun = (runs) => [...runs].sort((a, b) => a.tokens_per_second - b.tokens_per_second)[Math.floor(runs.length / 2)];
  for (const row of rows) row.median = medianRun(row.runs);
  const torch = rows.find((row) => row.side === "PyTorch")?.median;
  const name = (row) => (row.side === "lib" ? `this lib (wasm ${row.median.kernel}, node ${row.median.node})` : `PyTorch ${torch.torch}`);
  const header = ["row", "threads", "ms/step", "tokens/s", "tokens/s per run", "CPU ms/step", "tokens/CPU-s", "peak RSS", "step adds"];
  const lines = rows.map((row) => {
    const run = row.median;
    return [
      name(row), String(row.threads), (run.seconds_per_step * 1000).toFixed(1), thousands(run.tokens_per_second), row.runs.map((x) => thousands(x.tokens_per_second)).join(" "),
      (run.cpu_seconds_per_step * 1000).toFixed(1), thousands(run.cpu_tokens_per_second), formatBytes(run.peak_rss_bytes), formatBytes(run.peak_step_bytes),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const line of lines) console.log(format(line));
  console.log(`at the end: ${loadText()} (a load above the cores slows the multi-threaded rows most: compare within a round)`);
  if (torch) console.log(`PyTorch ${torch.torch} (${TORCH_PYTHON}): BLAS ${torch.blas}, CPU capability ${torch.capability}`);
  const best = (side) => rows.filter((row) => row.side === side).reduce((a, b) => (b.median.tokens_per_second > a.median.tokens_per_second ? b : a));
  const ours = best("lib");
  const libRows = rows.filter((row) => row.side === "lib");
  if (libRows.length > 1) {
    const scaling = libRows.map((row) => row.median.tokens_per_second);
    console.log(`lib ${threadsText(libRows[1].threads)} / 1 thread: ${(scaling[1] / scaling[0]).toFixed(2)}x (per round: ${libRows[0].runs.map((run, i) => (libRows[1].runs[i].tokens_per_second / run.tokens_per_second).toFixed(2)).join(" ")})`);
  }
  const peak = Math.max(...libRows.map((row) => row.median.peak_rss_bytes));
  console.log(`peak memory of a training step under 1 GB: ${formatBytes(peak)} for the whole process (${peak < 2 ** 30 ? "holds" : "MISSED"})`);
  if (torch) {
    const theirs = best("PyTorch");
    console.log(`training: lib best ${thousands(ours.median.tokens_per_second)} tokens/s (${threadsText(ours.threads)}), PyTorch best ${thousands(theirs.median.tokens_per_second)} tokens/s ` +
      `(${threadsText(theirs.threads)}), ratio ${(ours.median.tokens_per_second / theirs.median.tokens_per_second).toFixed(2)}`);
  } else {
    console.log(`training: lib best ${thousands(ours.median.tokens_per_second)} tokens/s (${threadsText(ours.threads)}), PyTorch not found`);
  }
}

async function main() {
  const started = performance.now();
  const selected = process.argv.slice(2);
  for (const name of selected) if (!ROWS.includes(name)) throw new Error(`bench: unknown row "${name}"; the rows are ${ROWS.join(", ")}`);
  const wanted = (name) => selected.length === 0 || selected.includes(name);
  if (wanted("matmul") || wanted("attention")) kernelRows(wanted);
  if (wanted("generation")) await generationRows(); // bench/generation.mjs
  if (!wanted("training")) console.log(`\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  else {
    if (wanted("matmul") || wanted("attention") || wanted("generation")) console.log(`\n(the rows above took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
    trainingRows(); // last, so that its summary line ends the output
  }
}

// The matmul and attention rows (those selected), their table and their targets.
function kernelRows(wanted) {
  const cases = jsCases().filter((specs) => wanted(specs[0].op));
  console.log(`node ${process.version}, ${process.arch}; each JS row in its own process. Running ${cases.flat().length} JS rows...`);
  const rows = cases.flatMap(runChild);
  let numpy = null;
  let numpyUnset = null;
  if (numpyAvailable()) {
    numpy = runNumpy(process.env, "as is");
    const { OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, ...rest } = process.env;
    if (OPENBLAS_CORETYPE !== undefined || OPENBLAS_L2_SIZE !== undefined) numpyUnset = runNumpy(rest, "CORETYPE unset");
  } else {
    console.log(`numpy: not found (${NUMPY_PYTHON} with numpy; Debian: apt-get install python3-numpy); its rows and ratios are left out.`);
  }
  const all = [...rows];
  if (numpy) all.push(...numpyRows(numpy, "(env as is)").filter((row) => wanted(row.op)));
  if (numpyUnset) all.push(...numpyRows(numpyUnset, "(CORETYPE unset)").filter((row) => wanted(row.op)));
  all.sort((x, y) => (x.op === y.op ? 0 : x.op === "matmul" ? -1 : 1) || x.n - y.n || Number(Boolean(x.causal)) - Number(Boolean(y.causal)));
  console.log("");
  printTable(all, numpy);
  for (const [label, result] of [["env as is", numpy], ["OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset", numpyUnset]]) {
    if (!result) continue;
    const { blas, env } = result;
    console.log(`numpy ${blas.numpy} (${label}: OPENBLAS_CORETYPE=${env.OPENBLAS_CORETYPE ?? "unset"}, OPENBLAS_L2_SIZE=${env.OPENBLAS_L2_SIZE ?? "unset"}): ` +
      `${blas.library} ${blas.version ?? ""}, kernel for core ${blas.core ?? "unknown"}, ${blas.threads} thread(s)`);
  }
  if (numpy && !numpyUnset) console.log("numpy: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset here already, so the run above is also the unset run.");
  if (wanted("matmul") && wanted("attention")) printTargets(rows, numpy);
}

if (process.argv[2] === "--case") await runCases(JSON.parse(process.argv[3]));
else if (process.argv[2] === "--training") await runTraining(Number(process.argv[3]));
else await main();
