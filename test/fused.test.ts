// The diagram's fused path: one X * W_QKV matmul equals three separate projections.
import { describe, expect, it } from "vitest";
import { Matrix, diagram, fuseProjections, fusedProjection, maxAbsDifference, matmul } from "../lib/index.js";

describe("fused QKV projection", () => {
  const weights = {
    wq: Matrix.generate(3, 2, (i, j) => 0.1 * (i + 1) - 0.2 * j),
    wk: Matrix.generate(3, 2, (i, j) => 0.3 * i * j - 0.1),
    wv: Matrix.generate(3, 4, (i, j) => 0.05 * (i - j)),
  };
  const wqkv = fuseProjections(weights);
  const fused = fusedProjection(diagram.x, wqkv, { q: 2, k: 2, v: 4 });

  it("stacks W_Q | W_K | W_V side by side", () => {
    expect(wqkv.shape).toEqual([3, 8]);
    expect(wqkv.get(2, 2)).toBe(weights.wk.get(2, 0));
  });

  it("splits X * W_QKV into the same Q, K, V as three matmuls", () => {
    expect(fused.qkv.shape).toEqual([6, 8]);
    expect(maxAbsDifference(fused.q, matmul(diagram.x, weights.wq)).value).toBe(0);
    expect(maxAbsDifference(fused.k, matmul(diagram.x, weights.wk)).value).toBe(0);
    expect(maxAbsDifference(fused.v, matmul(diagram.x, weights.wv)).value).toBe(0);
  });

  it("rejects widths that do not add up", () => {
    expect(() => fusedProjection(diagram.x, wqkv, { q: 2, k: 2, v: 2 })).toThrow(
      "fusedProjection: wqkv is 3x8 but the widths 2 + 2 + 2 sum to 6",
    );
  });
});
