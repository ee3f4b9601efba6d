// A figure's markup writes its numbers to 2 decimals, so that last-bit differences between engines (Node 24's ** is
// the C library's pow, Node 20's V8's own) draw the same committed SVG.
import { describe, expect, it } from "vitest";
import { Matrix, heatmap, lineChart } from "../lib/index.js";
import { formatMarkupNumber, roundMarkupNumbers } from "../lib/plot/precision.js";

/** The next double above x (x > 0). */
function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

describe("the numbers in a figure's markup", () => {
  it("are rounded to 2 decimals, without trailing zeros or -0", () => {
    expect(formatMarkupNumber(71.00000000000001)).toBe("71");
    expect(formatMarkupNumber(233.93294544388834)).toBe("233.93");
    expect(formatMarkupNumber(-0.001)).toBe("0");
    expect(formatMarkupNumber(0.5)).toBe("0.5");
    expect(() => formatMarkupNumber(NaN)).toThrow("formatMarkupNumber: expected a finite number, got NaN");
  });

  it("are found in paths, transforms and lists, and a color or a unit is left as it is", () => {
    expect(roundMarkupNumbers("M40.123456,20.5L-3.14159,1e-7Z")).toBe("M40.12,20.5L-3.14,0Z");
    expect(roundMarkupNumbers("translate(71.00000000000001,0.5)")).toBe("translate(71,0.5)");
    expect(roundMarkupNumbers("h-3.456v2.000001")).toBe("h-3.46v2");
    expect(roundMarkupNumbers("#4e79a7")).toBe("#4e79a7");
    expect(roundMarkupNumbers("#e5e7eb")).toBe("#e5e7eb"); // not the number 5e7
    expect(roundMarkupNumbers("#1e3 M1e-3,2.345")).toBe("#1e3 M0,2.35");
    expect(roundMarkupNumbers("0.71em")).toBe("0.71em");
    expect(roundMarkupNumbers("0 0 612 300")).toBe("0 0 612 300");
  });

  it("of a line chart do not change when its values move by one ulp, as 10 ** x does between Node 20 and 24", () => {
    const x = Array.from({ length: 31 }, (_, k) => k / 10);
    const y = x.map((v) => 10 ** v);
    const drawn = (ys: number[]) => lineChart({ x, y: ys, name: "10^x" }, { yScale: "log" }).markup;
    const markup = drawn(y);
    // 10 ** 0, 10 ** 1, ... are exact on every engine (and nudging an end of the domain would drop its tick).
    expect(drawn(y.map((v) => (Number.isInteger(v) ? v : nextUp(v))))).toBe(markup);
    expect(markup).not.toMatch(/\d\.\d{3}/);
  });

  it("of a heatmap's text and its base64 legend are left alone", () => {
    const figure = heatmap(Matrix.from([[0.123456, 1.5], [2.25, 3]]), { decimals: 4 });
    expect(figure.markup).toContain(">0.1235<");
    expect(figure.markup).toMatch(/href="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
  });
});
