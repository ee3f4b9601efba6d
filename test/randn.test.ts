// randn and normalFill against numbers printed by PyTorch 1.13 (CPU, AVX2 build) for the same seeds.
import { describe, expect, it } from "vitest";
import { Generator, normalFill, randn } from "../lib/core/random.js";

describe("randn: torch.randn / Tensor.normal_ reproduced", () => {
  it("float32, 17 values (the 16-at-a-time path with the last 16 recomputed): torch.manual_seed(0); torch.randn(17)", () => {
    const torch = [
      -1.1258398294448853, -1.6959311962127686, 0.5666506290435791, 0.7935083508491516, 0.5988394618034363, -1.5550950765609741,
      -0.3413603901863098, 1.85300612449646, 0.46809640526771545, -0.5854975581169128, -0.1733967512845993, 0.18347793817520142,
      1.3893661499023438, 1.586334228515625, 0.946298360824585, -0.843676745891571, 0.9318265914916992,
    ];
    expect(Array.from(randn(1, 17, { generator: new Generator(0) }).data)).toEqual(torch);
  });

  it("float32 normal_(0, 0.02) on 24x8, as nanoGPT's init: torch.manual_seed(1337); torch.empty(24, 8).normal_(0, 0.02)", () => {
    const data = normalFill(new Float32Array(192), { std: 0.02, generator: new Generator(1337) });
    expect([data[0], data[1], data[100], data[191]]).toEqual([0.003615431720390916, -0.001399761880747974, 0.0006309777963906527, 0.02438179962337017]);
  });

  it("fewer than 16 values: the scalar path, whose second Box-Muller sample is kept for the next draw", () => {
    const generator = new Generator(0);
    expect(Array.from(randn(1, 3, { dtype: "float64", generator }).data)).toEqual([1.5409961082440433, -0.2934289057609464, -2.1787893820745574]);
    expect(Array.from(randn(1, 2, { dtype: "float64", generator }).data)).toEqual([0.5684312772806678, -1.084522342424021]);
    // float32 is the same doubles rounded
    expect(Array.from(randn(1, 3, { generator: new Generator(0) }).data)).toEqual([1.5409960746765137, -0.293428897857666, -2.1787893772125244]);
  });

  it("manualSeed forgets the kept sample", () => {
    const generator = new Generator(0);
    randn(1, 1, { dtype: "float64", generator });
    generator.manualSeed(0);
    expect(randn(1, 1, { dtype: "float64", generator }).data[0]).toBe(1.5409961082440433);
  });

  it("float64, 16 or more: PyTorch's arithmetic with JavaScript's log/sin/cos, equal to 1 ulp: torch.manual_seed(3); torch.randn(20, dtype=torch.float64)", () => {
    const torch = [
      -0.21774879177876416, 0.1466771298110492, 0.6690811213485476, -0.5141241139283437, -1.3464356890265727, -0.2841692588173489,
      0.16794475101412973, 0.7580573286215819, 1.0784352439814244, 0.34363379791442283, 0.7198251676658504, 0.8306180904619974,
      -0.5840098795893389, -1.224985367308154, -0.269718737037564, 0.20366863384122577, 0.028752867895017985, 0.24243710319485537,
      0.7841722963522199, -0.9984183369540185,
    ];
    const data = randn(1, 20, { dtype: "float64", generator: new Generator(3) }).data;
    torch.forEach((value, i) => expect(Math.abs(data[i] - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -52));
  });

  it("rejects a negative std", () => {
    expect(() => normalFill(new Float64Array(2), { std: -1 })).toThrow("std -1");
  });
});
