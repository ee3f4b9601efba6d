// Does V8's revectorizer (--experimental-wasm-revectorize, Node 22.13+: pairs of SIMD128 operations on adjacent
// memory fused into 256-bit AVX2 ones) speed up the products of a training step? An experiment, not a product path:
// it compiles asm/kernels.ts as the lib does (the 4x8 micro-kernel) and a 4x16 variant (panels 16 columns wide, each
// row's four accumulators stored side by side), each plain and fused (relaxed SIMD, where the node has it), and times
// one training step's products on each by CPU time, variants alternating in one process. On a node that has the
// flag, the same process then turns it on and compiles every variant again, revectorized.
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

/** kernels.ts with NR-column panels of 16: the constant, B's two packing fast paths, and a 4x16 micro-kernel. */
function source4x16() {
  const edits = [
    ["const NR: i32 = 8;", "const NR: i32 = 16;"],
    [
      "        v128.store(dst + (<usize>(p * NR) << 2), v128.load(row, 16), 16);\n",
      "        v128.store(dst + (<usize>(p * NR) << 2), v128.load(row, 16), 16);\n" +
        "        v128.store(dst + (<usize>(p * NR) << 2), v128.load(row, 32), 32);\n" +
        "        v128.store(dst + (<usize>(p * NR) << 2), v128.load(row, 48), 48);\n",
    ],
    [
      "        transpose4(column + (<usize>(4 * cs) << 2), <usize>cs << 2, dst + (<usize>(p * NR + 4) << 2), NR << 2);\n",
      "        transpose4(column + (<usize>(4 * cs) << 2), <usize>cs << 2, dst + (<usize>(p * NR + 4) << 2), NR << 2);\n" +
        "        transpose4(column + (<usize>(8 * cs) << 2), <usize>cs << 2, dst + (<usize>(p * NR + 8) << 2), NR << 2);\n" +
        "        transpose4(column + (<usize>(12 * cs) << 2), <usize>cs << 2, dst + (<usize>(p * NR + 12) << 2), NR << 2);\n",
    ],
  ];
  let text = source;
  for (const [from, to] of edits) {
    if (text.split(from).length !== 2) throw new Error(`revectorize: asm/kernels.ts no longer has exactly one ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  const start = text.indexOf("function microKernel(");
  const end = text.indexOf("\n}\n", start) + 3;
  if (start < 0 || end < 3) throw new Error("revectorize: asm/kernels.ts no longer has microKernel");
  // Row r's accumulators cr0..cr3 hold its columns 0-3, 4-7, 8-11, 12-15: loaded, updated with the same splat of A
  // and stored side by side, 16 bytes apart, which is what the revectorizer pairs: isomorphic operations on
  // adjacent memory, cr0 with cr1 and cr2 with cr3, into two 256-bit accumulators per row.
  const rows = [0, 1, 2, 3], vectors = [0, 1, 2, 3];
  const kernel = [
    "function microKernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32): void {",
    "  const row = <usize>ldc << 2;",
    "  const c0 = c, c1 = c + row, c2 = c + 2 * row, c3 = c + 3 * row;",
    ...rows.map((r) => `  let ${vectors.map((j) => `c${r}${j} = v128.load(c${r}, ${16 * j})`).join(", ")};`),
    "  const end = ap + (<usize>(kc * MR) << 2);",
    "  while (ap < end) {",
    `    const ${vectors.map((j) => `b${j} = v128.load(bp, ${16 * j})`).join(", ")};`,
    "    let a: v128;",
    ...rows.flatMap((r) => [
      `    a = v128.load32_splat(ap, ${4 * r});`,
      `    ${vectors.map((j) => `c${r}${j} = madd(a, b${j}, c${r}${j});`).join(" ")}`,
    ]),
    "    ap += 16;",
    "    bp += 64;",
    "  }",
    ...rows.map((r) => `  ${vectors.map((j) => `v128.store(c${r}, c${r}${j}, ${16 * j});`).join(" ")}`),
    "}",
    "",
  ].join("\n");
  return text.slice(0, start) + kernel + text.slice(end);
}

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

function gemm(kernels, p) {
  const { a, b, c, packedA, packedB, tile } = layout;
  kernels.gemm(a, b, c, p.m, p.k, p.n, p.transposeA, p.transposeB, p.accumulate, packedA, packedB, tile);
}

/** Every distinct product's output bytes, from the same inputs and the same starting C. */
function outputs(kernels) {
  return DISTINCT.map((p) => {
    seed = 7;
    fill(layout.a, p.m * p.k);
    fill(layout.b, p.k * p.n);
    fill(layout.c, p.m * p.n);
    gemm(kernels, p);
    return new Uint8Array(heap.slice(layout.c / 4, layout.c / 4 + p.m * p.n).buffer);
  });
}

function stepCpuMs(kernels) {
  const t0 = process.cpuUsage();
  for (const p of STEP) gemm(kernels, p);
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
  for (let round = 0; round < WARMUP; round++) for (const v of variants) stepCpuMs(v.kernels);
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
    for (const [name, text] of [["4x8 (the kernel)", source], ["4x16", source4x16()]]) {
      const bytes = await compile(text, fused);
      // relaxed SIMD: Node 22 and later; Node 20 only with --experimental-wasm-relaxed-simd
      if (fused && !WebAssembly.validate(bytes)) continue;
      compiled.push({ name: fused ? `${name}, fused` : name, fused, bytes });
    }
  }
  const given = process.execArgv.includes(REVECTORIZE);
  const instantiate = (bytes) => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  const variants = compiled.map((v) => ({ ...v, revectorized: given, kernels: instantiate(v.bytes) }));
  warm(variants);
  if (!given && knowsRevectorize(process.execPath)) {
    await new Promise((resolve) => setTimeout(resolve, 2000)); // background tier-up finishes
    warm(variants);
    (await import("node:v8")).setFlagsFromString(REVECTORIZE);
    const tag = Buffer.from([0, 6, 5, ...Buffer.from("revec")]); // custom section "revec", empty
    const more = compiled.map((v) => ({ ...v, revectorized: true, kernels: instantiate(Buffer.concat([v.bytes, tag])) }));
    warm(more);
    variants.push(...more);
  }
  // each variant's outputs against the 4x8 kernel's of its kind (plain, or fused)
  const digests = {};
  const reference = {};
  for (const v of variants) {
    const out = outputs(v.kernels);
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
      v.ms.push(stepCpuMs(v.kernels));
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
