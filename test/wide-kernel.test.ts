// The products' two micro-kernels (asm/kernels.ts): 4x16, which Node 24's revectorizer turns into 256-bit code, and
// 4x8. Each element of C sums the depth in the same order in both, so they give the same bits for every shape, on
// whatever engine runs this (the choice forced through useWideKernel); Node 24 on x86-64 takes 4x16 by default.
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { Generator } from "../lib/core/random.js";
import { gemm } from "../lib/kernels/gemm.js";
import { setThreads, threads } from "../lib/kernels/threads.js";
import { WasmHeap, fusedMultiplyAdd, useFusedMultiplyAdd, useWideKernel, wideKernel } from "../lib/kernels/wasm.js";

// m not a multiple of 4, n not a multiple of 16 or of 8, k across the 256-deep blocks, and the recipe's own shapes
const SHAPES = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [5, 300, 17], [7, 13, 9], [13, 257, 33], [6, 40, 24], [64, 64, 65], [130, 513, 31], [768, 128, 65], [128, 768, 512]];
const major = Number(process.versions.node.split(".")[0]);
const revectorizes = major >= 24 && process.arch === "x64";

function filled(count: number, generator: Generator): Float32Array {
  const array = new Float32Array(count);
  for (let i = 0; i < count; i++) array[i] = generator.nextDouble() * 2 - 1;
  return array;
}

/** C's bits after C = op(A) op(B), then C += op(A) op(B), with the micro-kernel chosen; arrays of their own, or views of one heap. */
function product(wide: boolean, [m, k, n]: number[], transposeA: boolean, transposeB: boolean, inHeap: boolean): Uint32Array {
  useWideKernel(wide);
  const g = new Generator(m * 7919 + k * 31 + n);
  let [a, b, c] = [filled(m * k, g), filled(k * n, g), filled(m * n, g)];
  if (inHeap) {
    const heap = new WasmHeap(4 * (m * k + k * n + m * n) + 1024);
    const copy = (x: Float32Array): Float32Array => {
      const view = heap.allocate("test", x.length);
      view.set(x);
      return view;
    };
    [a, b, c] = [copy(a), copy(b), copy(c)];
  }
  gemm(c, a, b, m, k, n, { transposeA, transposeB });
  gemm(c, a, b, m, k, n, { transposeA, transposeB, accumulate: true });
  return new Uint32Array(c.slice().buffer);
}

describe("the 4x16 and 4x8 micro-kernels", () => {
  const before = { wide: wideKernel(), fused: fusedMultiplyAdd(), threads: threads() };
  afterAll(() => {
    useWideKernel(before.wide);
    useFusedMultiplyAdd(before.fused);
    setThreads(before.threads);
  });

  it(`are chosen by the engine: 4x16 on Node 24 and later on x86-64 unless THELITTLEBABY_REVECTORIZE=0, else 4x8 (here Node ${major}, ${process.arch})`, () => {
    expect(wideKernel()).toBe(revectorizes && process.env.THELITTLEBABY_REVECTORIZE !== "0");
  });

  for (const inHeap of [false, true]) {
    it(`give the same bits for every shape and transpose, ${inHeap ? "in a model's memory on 2 threads" : "on arrays of their own"}, plain and fused`, () => {
      setThreads(2);
      let fusedToo = true;
      try {
        useFusedMultiplyAdd(true);
        useFusedMultiplyAdd(false);
      } catch {
        fusedToo = false; // Node 20 without --experimental-wasm-relaxed-simd
      }
      let compared = 0;
      for (const fused of fusedToo ? [false, true] : [false]) {
        useFusedMultiplyAdd(fused);
        for (const shape of SHAPES) {
          for (const transposeA of [false, true]) {
            for (const transposeB of [false, true]) {
              const narrow = product(false, shape, transposeA, transposeB, inHeap), wide = product(true, shape, transposeA, transposeB, inHeap);
              expect(wide, `${shape.join("x")} transposeA ${transposeA} transposeB ${transposeB} fused ${fused}`).toEqual(narrow);
              compared++;
            }
          }
        }
      }
      expect(compared).toBe(SHAPES.length * 4 * (fusedToo ? 2 : 1));
    }, 120_000);
  }

  it("and the wide one computes the product (within float32 rounding of float64 sums)", () => {
    useWideKernel(true);
    const [m, k, n] = [13, 300, 33], g = new Generator(3);
    const a = filled(m * k, g), b = filled(k * n, g), c = new Float32Array(m * n);
    gemm(c, a, b, m, k, n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[i * k + p] * b[p * n + j];
        expect(Math.abs(c[i * n + j] - sum)).toBeLessThan(k * 2 ** -22);
      }
    }
  });

  it("THELITTLEBABY_REVECTORIZE=0 keeps 4x8, and any other value than 0 or 1 is an error that names it", () => {
    const lib = JSON.stringify(new URL("../lib/dist/index.js", import.meta.url).href);
    const run = (value: string): string =>
      execFileSync(process.execPath, ["--input-type=module", "-e", `const lib = await import(${lib}); try { console.log(lib.wideKernel()); } catch (e) { console.log(e.message); }`],
        { encoding: "utf8", env: { ...process.env, THELITTLEBABY_REVECTORIZE: value } }).trim();
    expect(run("0")).toBe("false");
    expect(run("1")).toBe(String(revectorizes));
    expect(run("yes")).toBe("THELITTLEBABY_REVECTORIZE=yes: give 0 (the 4x8 kernel, no revectorizer) or 1 (the default)");
  }, 60_000);
});
