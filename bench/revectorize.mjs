// Does V8's revectorizer (--experimental-wasm-revectorize, Node 22.13+: pairs of SIMD128 operations on adjacent
// memory fused into 256-bit AVX2 ones) speed up the products of a training step? An experiment, not a product path:
// it compiles asm/kernels.ts as the lib does, plain and fused (relaxed SIMD, where the node has it), and times one
// training step's products on each with both of its micro-kernels (gemm's nr: 4x8, and 4x16, each row's four
// accumulators stored side by side) by CPU time, variants alternating in one process. On a node that has the flag,
// the same process then turns it on and compiles every module again, revectorized.
//   node bench/revectorize.mjs                                  this node
//   node bench/revectorize.mjs /path/to/node22 /path/to/node24  this node, then each one given, a fresh process each
// Outputs are checked bit-identical to the 4x8 kernel's. Results and verdict: bench/README.md, "Revectorize, measured".
import asc from "assemblyscript/asc";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";

const ROUNDS = 9;
const WARMUP = 3; // untimed runs of each variant, so that the optimizing tier compiles its kernels
const REVECTORIZE = "--experimental-wasm-revectorize";
// The build of asm/build.mjs (plain: no relaxed SIMD)
const FLAGS = ["-O3", "--noAssert", "--runtime", "stub", "--enable", "simd", "--enable", "threads", "--importMemory", "--sharedMemory", "--maximumMemory", "65536"];
const source = readFileSync(fileURLToPath(new URL("../asm/kernels.ts", import.meta.url)), "utf8");

async function compile(text, fused) {
  let binary = null;
  const options = ["kernels.ts", "--outFile", "kernels.wasm", ...FLAGS, ...(fused ? ["--enable", "relaxed-simd"] : [])];
  const { error, stderr } = await asc.main(options, {
    readFile: (name) => (name === "kernels.ts" ? text : null),
    writeFile(name, contents) {
      if (name.endsWith(".wasm")) binary = contents;
    },
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  return binary;
}

// The products of one training step of nanoGPT's CPU recipe (4 layers, 128 wide, MLP 4x, batch 12 x context 64 =
// 768 rows, vocabulary 65, LM head tied to the embedding), as lib/gpt/layers/linear.ts calls gemm: out = inp W^T,
// dinp = dout W, dW += dout^T inp. Attention's own products are not here (they run in the attention kernel).
const N = 768;
const LINEARS = [[128, 384], [128, 128], [128, 512], [512, 128]]; // (in, out) of c_attn, attn c_proj, c_fc, mlp c_proj
function productsOf(C, OC) {
  return [
    { m: N, k: C, n: OC, transposeA: 0, transposeB: 1, accumulate: 0 },
    { m: N, k: OC, n: C, transposeA: 0, transposeB: 0, accumulate: 0 },
    { m: OC, k: N, n: C, transposeA: 1, transposeB: 0, accumulate: 1 },
  ];
}
const DISTINCT = [...LINEARS, [128, 65]].flatMap(([C, OC]) => productsOf(C, OC));
const STEP = [...Array(4).fill(LINEARS).flat().flatMap(([C, OC]) => productsOf(C, OC)), ...productsOf(128, 65)];
const FLOPS = STEP.reduce((sum, p) => sum + 2 * p.m * p.k * p.n, 0);

const BIG = 768 * 512; // floats in the largest operand
const REGIONS = { a: BIG, b: BIG, c: BIG, packedA: 128 * 256, packedB: BIG, tile: 4 * 16 };
const layout = {};
let top = 1 << 16;
for (const [name, floats] of Object.entries(REGIONS)) {
  layout[name] = top;
  top += floats * 4;
}
const memory = new WebAssembly.Memory({ initial: Math.ceil(top / 65536), maximum: 65536, shared: true });
const heap = new Float32Array(memory.buffer);

let seed = 1;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const fill = (offset, floats) => {
  for (let i = 0; i < floats; i++) heap[offset / 4 + i] = random();
};

function gemm(variant, p) {
  const { a, b, c, packedA, packedB, tile } = layout;
  variant.kernels.gemm(a, b, c, p.m, p.k, p.n, p.transposeA, p.transposeB, p.accumulate, packedA, packedB, tile, variant.nr);
}

/** Every distinct product's output bytes, from the same inputs and the same starting C. */
function outputs(variant) {
  return DISTINCT.map((p) => {
    seed = 7;
    fill(layout.a, p.m * p.k);
    fill(layout.b, p.k * p.n);
    fill(layout.c, p.m * p.n);
    gemm(variant, p);
    return new Uint8Array(heap.slice(layout.c / 4, layout.c / 4 + p.m * p.n).buffer);
  });
}

function stepCpuMs(variant) {
  const t0 = process.cpuUsage();
  for (const p of STEP) gemm(variant, p);
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000;
}

/**
 * The core's clock as it runs now, from a chain of dependent f32x4.add (3 cycles each on Zen 3: another CPU needs its
 * own latency), timed by CPU time: what the flops-per-cycle peaks are multiplied by.
 */
async function clockGHz() {
  const text = `export function chain(n: i32): f32 {
    let x = f32x4.splat(1); const y = f32x4.splat(1e-9);
    for (let i = 0; i < n; i++) { ${"x = f32x4.add(x, y); ".repeat(8)}}
    return f32x4.extract_lane(x, 0);
  }`;
  const { chain } = new WebAssembly.Instance(new WebAssembly.Module(await compile(text, false)), { env: { memory } }).exports;
  chain(1e6);
  const ghz = [];
  for (let round = 0; round < 9; round++) {
    const t0 = process.cpuUsage();
    chain(2e7);
    const t = process.cpuUsage(t0);
    ghz.push((8 * 2e7 * 3) / (t.user + t.system) / 1e3);
  }
  return median(ghz);
}

const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const fmt = (x, digits = 1) => x.toFixed(digits);
const knowsRevectorize = (node) => spawnSync(node, ["--v8-options"], { encoding: "utf8" }).stdout.includes(REVECTORIZE);

function warm(variants) {
  for (let round = 0; round < WARMUP; round++) for (const v of variants) stepCpuMs(v);
}

/**
 * Every variant plain and, where this node has the revectorizer, revectorized, all in this process: the plain
 * modules are compiled and warmed up (so that the optimizing tier has compiled them) before the flag is turned on,
 * and the revectorized ones compiled afterwards from bytes with one custom section more (a module of the same bytes
 * would come from V8's cache, plain).
 */
async function measure() {
  const compiled = [];
  for (const fused of [false, true]) {
    const bytes = await compile(source, fused);
    // relaxed SIMD: Node 22 and later; Node 20 only with --experimental-wasm-relaxed-simd
    if (fused && !WebAssembly.validate(bytes)) continue;
    for (const [name, nr] of [["4x8", 8], ["4x16", 16]]) compiled.push({ name: fused ? `${name}, fused` : name, fused, nr, bytes });
  }
  const given = process.execArgv.includes(REVECTORIZE);
  const modules = new Map(); // one instance per module, both micro-kernels
  const instantiate = (bytes) => modules.get(bytes) ?? modules.set(bytes, instantiateNew(bytes)).get(bytes);
  const instantiateNew = (bytes) => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  const variants = compiled.map((v) => ({ ...v, revectorized: given, kernels: instantiate(v.bytes) }));
  warm(variants);
  if (!given && knowsRevectorize(process.execPath)) {
    await new Promise((resolve) => setTimeout(resolve, 2000)); // background tier-up finishes
    warm(variants);
    (await import("node:v8")).setFlagsFromString(REVECTORIZE);
    const tag = Buffer.from([0, 6, 5, ...Buffer.from("revec")]); // custom section "revec", empty
    const tagged = new Map(compiled.map((v) => [v.bytes, Buffer.concat([v.bytes, tag])]));
    const more = compiled.map((v) => ({ ...v, revectorized: true, kernels: instantiate(tagged.get(v.bytes)) }));
    warm(more);
    variants.push(...more);
  }
  // each variant's outputs against the 4x8 kernel's of its kind (plain, or fused)
  const digests = {};
  const reference = {};
  for (const v of variants) {
    const out = outputs(v);
    const kind = v.fused ? "fused" : "plain";
    if (!reference[kind]) {
      reference[kind] = out;
      const digest = createHash("sha256");
      for (const bytes of out) digest.update(bytes);
      digests[kind] = digest.digest("hex").slice(0, 16);
    }
    v.same = out.every((bytes, i) => Buffer.compare(bytes, reference[kind][i]) === 0);
    v.ms = [];
  }
  seed = 3;
  fill(layout.a, BIG);
  fill(layout.b, BIG);
  fill(layout.c, BIG);
  const load0 = loadavg()[0];
  for (let round = 0; round < ROUNDS; round++) {
    // the order turns each round, so that no variant always follows the same one
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(round + i) % variants.length];
      v.ms.push(stepCpuMs(v));
    }
  }
  return {
    clock: await clockGHz(),
    node: process.version,
    flags: process.execArgv.join(" ") || "(none)",
    load: [load0, loadavg()[0]],
    digests,
    variants: variants.map((v) => ({ name: v.name, revectorized: v.revectorized, ms: v.ms, same: v.same })),
  };
}

function print(r) {
  console.log(`node ${r.node}, flags ${r.flags}; ${ROUNDS} rounds; load average ${fmt(r.load[0], 2)} -> ${fmt(r.load[1], 2)} on ${cpus().length} cores`);
  console.log(`  clock ${fmt(r.clock, 2)} GHz (a chain of dependent f32x4.add, taken as 3 cycles each)`);
  console.log(`  outputs (sha256): ${Object.entries(r.digests).map(([kind, digest]) => `${kind} ${digest}`).join(", ")}`);
  const base = r.variants[0].ms;
  for (const v of r.variants) {
    const mid = median(v.ms);
    const speedup = median(v.ms.map((ms, i) => base[i] / ms));
    console.log(
      `  ${v.name.padEnd(23)} ${v.revectorized ? "revectorized" : "plain       "}  CPU ms: median ${fmt(mid)} (${fmt(Math.min(...v.ms))} to ${fmt(Math.max(...v.ms))})` +
        `  ${fmt(FLOPS / mid / 1e6)} GFLOP/s  speed-up over plain 4x8: ${fmt(speedup, 2)}  same bits as 4x8 of its kind: ${v.same ? "yes" : "NO"}`,
    );
  }
}

const others = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
if (process.argv.includes("--child")) {
  process.stdout.write(JSON.stringify(await measure()));
} else if (others.length === 0) {
  console.log(`${STEP.length} products, ${fmt(FLOPS / 1e9, 3)} GFLOP per step`);
  print(await measure());
} else {
  console.log(`${STEP.length} products, ${fmt(FLOPS / 1e9, 3)} GFLOP per step`);
  // this node and each one given, in fresh processes
  const script = fileURLToPath(import.meta.url);
  for (const node of [process.execPath, ...others]) {
    const child = spawnSync(node, [script, "--child"], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`${node} failed:\n${child.stderr}`);
    print(JSON.parse(child.stdout));
  }
}
