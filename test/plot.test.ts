import { inflateSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import {
  Matrix,
  bars,
  compareHeatmaps,
  contributions,
  diagram,
  differenceHeatmap,
  heatmap,
  lineChart,
  sameAsInputWeights,
  selfAttention,
  show,
} from "../lib/index.js";
import { contributionParts } from "../lib/plot/contributions.js";
import { isDark, parseColor } from "../lib/plot/color.js";

const steps = selfAttention(diagram.x, sameAsInputWeights(3));
const tokens = diagram.tokens;

/** The rects inside Plot's cell marks: one per matrix cell. */
function cellCount(markup: string): number {
  const groups: string[] = markup.match(/<g[^>]* aria-label="cell"[^>]*>.*?<\/g>/g) ?? [];
  return groups.reduce((n, g) => n + (g.match(/<rect /g)?.length ?? 0), 0);
}

/** Every <text>'s content, in document order. */
function texts(markup: string): string[] {
  return [...markup.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

function legendPng(markup: string): Buffer {
  const match = /<image [^>]*href="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(markup);
  expect(match).not.toBeNull();
  return Buffer.from(match![1], "base64");
}

describe("heatmap", () => {
  const figure = heatmap(steps.scores, { labels: tokens, title: "Scores" });

  it("is one standalone SVG with a size", () => {
    expect(figure.mime).toBe("image/svg+xml");
    expect(figure.markup.startsWith("<svg")).toBe(true);
    expect(figure.markup).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(figure.markup).toMatch(/^<svg[^>]* viewBox="0 0 \d+ \d+"/);
    expect(figure.markup).toMatch(/^<svg[^>]* width="\d+"/);
    expect(figure.markup).toMatch(/^<svg[^>]* height="\d+"/);
    expect(figure.markup).not.toContain("<figure");
  });

  it("draws 36 cells for the 6x6 scores, with values and token labels", () => {
    expect(cellCount(figure.markup)).toBe(36);
    const written = texts(figure.markup);
    expect(steps.scores.get(0, 0)).toBeCloseTo(0.9995, 10);
    expect(written).toContain("1.00");
    expect(written).toContain("1.50"); // journey . journey = 0.55^2 + 0.87^2 + 0.66^2 = 1.4950
    expect(written).toContain("Scores");
    for (const token of tokens) expect(written.filter((t) => t === token)).toHaveLength(2); // row and column
  });

  it("writes 4 decimals when asked", () => {
    const written = texts(heatmap(steps.scores, { labels: tokens, decimals: 4 }).markup);
    expect(written).toContain("0.9995");
    expect(written).toContain("1.4950");
  });

  it("has a legend whose image is a real 256x1 PNG of the gradient", () => {
    const png = legendPng(figure.markup);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString("latin1", 12, 16)).toBe("IHDR");
    expect(png.readUInt32BE(16)).toBe(256);
    expect(png.readUInt32BE(20)).toBe(1);
    // The "blues" ramp: almost white on the left, dark blue on the right (each row starts with a filter byte).
    const pixels = inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    expect(pixels.length).toBe(1 + 256 * 4);
    expect([...pixels.subarray(1, 5)]).toEqual([247, 251, 255, 255]);
    expect([...pixels.subarray(1 + 255 * 4, 1 + 256 * 4)]).toEqual([8, 48, 107, 255]);
  });

  it("leaves the legend out when asked", () => {
    expect(heatmap(steps.scores, { legend: false }).markup).not.toContain("<image");
  });

  it("gives byte-identical markup for the same call", () => {
    expect(heatmap(steps.scores, { labels: tokens, title: "Scores" }).markup).toBe(figure.markup);
    expect(compareHeatmaps(diagram.printed.scores, steps.scores).markup).toBe(
      compareHeatmaps(diagram.printed.scores, steps.scores).markup,
    );
  });

  it("labels X's rows with tokens and its columns with indices", () => {
    const written = texts(heatmap(diagram.x, { rowLabels: tokens }).markup);
    expect(cellCount(heatmap(diagram.x).markup)).toBe(18);
    expect(written).toEqual(expect.arrayContaining(["Your", "step", "0", "1", "2", "0.43", "0.89"]));
  });

  it("draws masked -Infinity scores as gray cells marked −∞", () => {
    const masked = new Matrix(2, 2, Float64Array.from([1, -Infinity, 0.5, 2]));
    const markup = heatmap(masked).markup;
    expect(cellCount(markup)).toBe(4);
    expect(texts(markup)).toContain("−∞");
    expect(markup).toContain('fill="#e5e7eb"');
  });

  it("rejects label counts that do not match, naming both counts", () => {
    expect(() => heatmap(steps.scores, { labels: tokens.slice(0, 5) })).toThrow(
      "heatmap: 5 labels for 6 rows of a 6x6 matrix",
    );
    expect(() => heatmap(diagram.x, { labels: tokens })).toThrow("heatmap: 6 labels for 3 columns of a 6x3 matrix");
    expect(() => heatmap(diagram.x, { rowLabels: tokens, colLabels: ["a", "b"] })).toThrow(
      "heatmap: 2 column labels for 3 columns of a 6x3 matrix",
    );
    expect(() => heatmap(steps.scores, { decimals: 1.5 })).toThrow("heatmap: decimals must be an integer from 0 to 10, got 1.5");
    expect(() => heatmap(new Matrix(1, 2, Float64Array.from([1, NaN])))).toThrow("heatmap: the matrix (1x2) has NaN at [0][1]");
  });
});

describe("bars", () => {
  it("draws one bar per value with its value written on it", () => {
    const figure = bars(steps.weights.row(0), { labels: tokens });
    expect(figure.mime).toBe("image/svg+xml");
    expect((figure.markup.match(/<g[^>]* aria-label="bar"[^>]*>.*?<\/g>/)?.[0].match(/<rect /g) ?? []).length).toBe(6);
    expect(texts(figure.markup)).toEqual(expect.arrayContaining([...tokens, "0.21", "0.12"]));
  });

  it("takes a 1xn matrix as well as numbers", () => {
    const row = Matrix.from([steps.weights.row(0)]);
    expect(bars(row, { labels: tokens }).markup).toBe(bars(steps.weights.row(0), { labels: tokens }).markup);
  });

  it("rejects wrong label counts and matrices that are not one row", () => {
    expect(() => bars([0.2, 0.8], { labels: tokens })).toThrow("bars: 6 labels for 2 values");
    expect(() => bars(steps.weights)).toThrow("bars: values must be one row (1xn) or one column (nx1), got 6x6");
  });
});

describe("contributions", () => {
  it("splits an output row into weight times value row, and the parts add up to the output", () => {
    const { parts, totals } = contributionParts(steps.weights.row(1), steps.v);
    expect(parts[2][0]).toBeCloseTo(steps.weights.get(1, 2) * steps.v.get(2, 0), 12);
    totals.forEach((total, d) => expect(total).toBeCloseTo(steps.output.get(1, d), 12));
  });

  it("marks the totals, which are the output row", () => {
    const figure = contributions(steps.weights.row(1), steps.v, { labels: tokens });
    const written = texts(figure.markup);
    for (const value of steps.output.row(1)) expect(written).toContain(value.toFixed(2));
    expect(written).toContain(`journey × ${steps.weights.get(1, 1).toFixed(2)}`);
    expect(figure.markup).toContain('aria-label="tick"');
  });

  it("checks the weights against the rows of V", () => {
    expect(() => contributions([0.5, 0.5], steps.v)).toThrow("contributions: 2 weights for 6 rows of V (6x3)");
    expect(() => contributions(steps.weights.row(0), steps.v, { labels: ["a"] })).toThrow(
      "contributions: 1 labels for 6 rows of V (6x3)",
    );
  });
});

describe("compareHeatmaps and differenceHeatmap", () => {
  it("puts both grids in one SVG on one color scale, with one legend", () => {
    const figure = compareHeatmaps(diagram.printed.scores, steps.scores, { labels: tokens });
    expect(figure.mime).toBe("image/svg+xml");
    expect(cellCount(figure.markup)).toBe(72);
    expect(figure.markup.match(/<image /g)).toHaveLength(1);
    // On a shared scale the printed 0.8945 is lighter than the computed 0.9995 beside it.
    expect(texts(figure.markup)).toEqual(expect.arrayContaining(["printed", "computed", "0.89", "1.00"]));
  });

  it("rejects matrices of different shapes", () => {
    expect(() => compareHeatmaps(steps.scores, diagram.x)).toThrow("compareHeatmaps: shapes 6x6 and 6x3 differ");
    expect(() => differenceHeatmap(steps.scores, diagram.x)).toThrow("differenceHeatmap: shapes 6x6 and 6x3 differ");
    expect(() => compareHeatmaps(steps.scores, steps.scores, { titles: ["one"] })).toThrow(
      "compareHeatmaps: 1 titles for 2 heatmaps",
    );
  });

  it("shows a - b around 0 on a diverging scale", () => {
    const a = Matrix.from([[1, 2], [3, 4]]);
    const b = Matrix.from([[1, 1], [5, 4]]);
    const written = texts(differenceHeatmap(a, b).markup);
    expect(written).toEqual(expect.arrayContaining(["0.00", "1.00", "−2.00"])); // a true minus, as on Plot's axes
    // The legend's ticks are symmetric: the domain is [-2, 2].
    expect(written).toEqual(expect.arrayContaining(["−2", "0", "2"]));
  });
});

describe("lineChart", () => {
  it("draws one line per series with a key", () => {
    const figure = lineChart([
      { x: [0, 1, 2], y: [3, 2, 1], name: "loss" },
      { x: [0, 1, 2], y: [3, 2.5, 2], name: "validation" },
    ]);
    expect(figure.markup.match(/<path /g)?.length).toBeGreaterThanOrEqual(2);
    expect(texts(figure.markup)).toEqual(expect.arrayContaining(["loss", "validation"]));
  });

  it("rejects series whose x and y lengths differ", () => {
    expect(() => lineChart({ x: [0, 1, 2], y: [1, 2], name: "loss" })).toThrow("lineChart: 2 y values for 3 x values in loss");
  });
});

describe("colors and show", () => {
  it("reads d3's color strings and picks readable text", () => {
    expect(parseColor("rgb(8, 48, 107)")).toEqual([8, 48, 107, 255]);
    expect(parseColor("#f7fbff")).toEqual([247, 251, 255, 255]);
    expect(isDark("rgb(8, 48, 107)")).toBe(true);
    expect(isDark("#f7fbff")).toBe(false);
    expect(() => parseColor("blue")).toThrow('parseColor: cannot read the color "blue"');
  });

  it("draws without setting a global document or window", () => {
    heatmap(steps.scores);
    expect("document" in globalThis).toBe(false);
    expect("window" in globalThis).toBe(false);
  });

  it("prints a one-line note outside a tslab kernel instead of throwing", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    show(heatmap(steps.scores));
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0][0])).toMatch(/^show: not in a tslab kernel, so nothing is drawn \(1 figure\(s\): image\/svg\+xml, \d+ characters\)$/);
    log.mockRestore();
  });
});
