// The kernels built with relaxed SIMD (useFusedMultiplyAdd): one rounding per multiply-add in the products' micro-
// kernel. Off by default; on, the numbers move in the last bits only: a seeded training agrees with the plain kernels
// within float32 rounding. Runs in a child process, with --experimental-wasm-relaxed-simd on Node 20.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fusedMultiplyAdd, useFusedMultiplyAdd } from "../lib/kernels/wasm.js";

const node20 = Number(process.versions.node.split(".")[0]) < 22;

// Trains 3 steps plain, then 3 fused from the same seed; prints both runs' losses and how far their parameters are apart.
const script = `
const lib = await import(${JSON.stringify(new URL("../lib/dist/index.js", import.meta.url).href)});
const config = lib.gptConfig({ vocabSize: 65, blockSize: 32, nLayer: 2, nHead: 4, nEmbd: 64 });
const x = Array.from({ length: 4 * 32 }, (_, i) => (i * 7 + 3) % 65), y = x.map((t) => (t * 5 + 1) % 65);
const run = () => {
  const model = lib.GPT.create(config, { seed: 5 });
  const optimizer = new lib.AdamW(model.parameters, { lr: 1e-2 });
  const losses = [];
  for (let step = 0; step < 3; step++) {
    model.zeroGrad();
    losses.push(model.forward(x, 4, 32, { targets: y, training: true }).loss);
    model.backward();
    lib.clipGradNorm(model.parameters, 1);
    optimizer.step();
  }
  return { losses, parameters: model.parameters.flatMap((p) => Array.from(p.data)) };
};
const plain = run();
lib.useFusedMultiplyAdd(true);
const fused = run();
let largest = 0, difference = 0;
plain.parameters.forEach((p, i) => {
  largest = Math.max(largest, Math.abs(p));
  difference = Math.max(difference, Math.abs(fused.parameters[i] - p));
});
console.log(JSON.stringify({ fused: lib.fusedMultiplyAdd(), plain: plain.losses, fusedLosses: fused.losses, difference, largest }));
`;

describe("fused multiply-add (relaxed SIMD)", () => {
  it("is off by default", () => {
    expect(fusedMultiplyAdd()).toBe(false);
  });

  it("agrees with the plain kernels within float32 rounding over 3 seeded training steps, and differs from them in the last bits", () => {
    const flags = node20 ? ["--experimental-wasm-relaxed-simd"] : [];
    const out = JSON.parse(execFileSync(process.execPath, [...flags, "--input-type=module", "-e", script], { encoding: "utf8" }));
    expect(out.fused).toBe(true);
    const { plain, fusedLosses, difference, largest } = out as { plain: number[]; fusedLosses: number[]; difference: number; largest: number };
    plain.forEach((loss, i) => expect(Math.abs(fusedLosses[i] - loss) / loss).toBeLessThan(1e-5));
    expect(difference / largest).toBeLessThan(1e-4); // three Adam steps of lr 1e-2 from gradients that agree to float32 rounding
    expect(difference).toBeGreaterThan(0); // one rounding instead of two: not the same bits
  }, 120_000);

  it("where the engine lacks relaxed SIMD, turning it on is an error that says what to run", () => {
    if (!node20) return;
    expect(() => useFusedMultiplyAdd(true)).toThrow("useFusedMultiplyAdd: this engine has no relaxed SIMD (Node 22+, or node --experimental-wasm-relaxed-simd)");
    expect(fusedMultiplyAdd()).toBe(false);
  });
});
