import { inflateSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import {
  Matrix,
  bars,
  compareBars,
  compareHeatmaps,
  heatmaps,
  pipelineDiagram,
  contributions,
  diagram,
  differenceHeatmap,
  heatmap,
  lineChart,
  sameAsInputWeights,
  selfAttention,
  show,
} from "../lib/index.js";
import type { BarsOptions, HeatmapOptions, LineChartOptions, LineSeries } from "../lib/index.js";
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
    expect(() => heatmap(withNaNAt01())).toThrow("heatmap: the matrix (1x2) has NaN at [0][1]");
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

/** [1, NaN]: NaN written into the data, since the Matrix constructor refuses it. */
function withNaNAt01(): Matrix {
  const m = Matrix.from([[1, 0]]);
  m.data[1] = NaN;
  return m;
}

/** A matrix that holds a value the Matrix constructor may refuse: the plots must check it themselves. */
function holding(value: number): Matrix {
  const m = Matrix.zeros(2, 2);
  (m.data as Float64Array)[3] = value;
  return m;
}

describe("every plot refuses what would draw NaN, with a message naming the plot", () => {
  const v = steps.v;
  const cases: [string, () => unknown, string][] = [
    // non-finite values
    ["heatmap NaN", () => heatmap(holding(NaN)), "heatmap: the matrix (2x2) has NaN at [1][1]"],
    ["heatmap +Infinity", () => heatmap(holding(Infinity)), "heatmap: the matrix (2x2) has Infinity at [1][1]"],
    ["heatmaps NaN", () => heatmaps([Matrix.zeros(2, 2), holding(NaN)]), "heatmaps: matrix 1 (2x2) has NaN at [1][1]"],
    ["compareHeatmaps NaN", () => compareHeatmaps(holding(NaN), Matrix.zeros(2, 2)), "compareHeatmaps: matrix 0 (2x2) has NaN"],
    ["differenceHeatmap NaN", () => differenceHeatmap(Matrix.zeros(2, 2), holding(NaN)), "differenceHeatmap: the second matrix (2x2) has NaN"],
    ["bars NaN", () => bars([0.1, NaN]), "bars: values[1] is NaN; every value must be a finite number"],
    ["bars Infinity", () => bars([Infinity]), "bars: values[0] is Infinity"],
    ["bars a string", () => bars([0.1, "0.2" as unknown as number]), "bars: values[1] is 0.2; every value must be a finite number"],
    ["compareBars NaN", () => compareBars([[1], [NaN]]), "compareBars: values 1[0] is NaN"],
    ["lineChart NaN", () => lineChart({ x: [0, 1], y: [1, NaN] }), "lineChart: y of series 0[1] is NaN"],
    ["contributions NaN weight", () => contributions([NaN, 0, 0, 0, 0, 1], v), "contributions: weightsRow[0] is NaN"],
    ["contributions NaN in V", () => contributions([0.5, 0.5], holding(NaN)), "contributions: V (2x2) has NaN at [1][1]"],
    ["an array for a Matrix", () => heatmap([[1, 2]] as unknown as Matrix), "heatmap: the matrix must be a Matrix, got an array: use Matrix.from(...)"],
    // sizes
    ["heatmap cellSize NaN", () => heatmap(v, { cellSize: NaN }), "heatmap: option cellSize must be a finite number, got number NaN"],
    ["heatmap cellSize 0", () => heatmap(v, { cellSize: 0 }), "heatmap: option cellSize must be in [4, 200], got 0"],
    ["heatmap width Infinity", () => heatmap(v, { width: Infinity }), "heatmap: option width must be a finite number"],
    ["heatmap too many cells", () => heatmap(Matrix.zeros(1000, 1000)), "heatmap: a 1000x1000 matrix has 1000000 cells, more than the 10000 a heatmap draws; plot a slice of it"],
    ["bars too many", () => bars(new Array(200_000).fill(0.5)), "bars: 200000 values are more than the 2000 bars a chart draws; plot a slice of them"],
    ["bars height -1", () => bars([1], { height: -1 }), "bars: option height must be in [80, 2000], got -1"],
    ["lineChart width NaN", () => lineChart({ x: [1], y: [1] }, { width: NaN }), "lineChart: option width must be a finite number"],
    ["contributions height 1e9", () => contributions([1, 0, 0, 0, 0, 0], v, { height: 1e9 }), "contributions: option height must be in [120, 2000]"],
    ["decimals 1.5", () => bars([1], { decimals: 1.5 }), "bars: decimals must be an integer from 0 to 10, got 1.5"],
    ["domain NaN", () => heatmap(v, { domain: [0, NaN] }), "heatmap: option domain must be an array of finite numbers"],
    ["domain reversed", () => bars([1], { domain: [1, 0] }), "bars: domain must be [low, high] with low < high, got [1, 0]"],
    ["domain of 3", () => heatmap(v, { domain: [0, 1, 2] as unknown as [number, number] }), "heatmap: domain must be [low, high]"],
    ["log axis at 0", () => lineChart({ x: [0, 1], y: [1, 2], name: "d" }, { xScale: "log" }), "lineChart: x of d[0] is 0; a log x axis needs values above 0"],
    // label counts
    ["heatmap labels", () => heatmap(v, { rowLabels: ["a"] }), "heatmap: 1 row labels for 6 rows of a 6x3 matrix"],
    ["heatmaps titles", () => heatmaps([v, v], { titles: ["a"] }), "heatmaps: 1 titles for 2 heatmaps"],
    ["heatmaps shapes", () => heatmaps([v, steps.scores]), "heatmaps: shapes 6x3 and 6x6 differ"],
    ["compareBars titles", () => compareBars([[1], [2]], { titles: ["a", "b", "c"] }), "compareBars: 3 titles for 2 charts"],
    ["compareBars labels", () => compareBars([[1, 2], [2, 3]], { labels: ["a"] }), "compareBars: 1 labels for 2 values"],
    ["contributions colLabels", () => contributions(steps.weights.row(0), v, { colLabels: ["a"] }), "contributions: 1 column labels for 3 columns of V (6x3)"],
    // labels that are not strings
    ["heatmap number labels", () => heatmap(v, { rowLabels: [1, 2, 3, 4, 5, 6] as unknown as string[] }), "heatmap: option rowLabels must be an array of strings"],
    ["bars undefined label", () => bars([1, 2], { labels: ["a", undefined] as unknown as string[] }), "bars: option labels must be an array of strings"],
    ["contributions object labels", () => contributions(steps.weights.row(0), v, { labels: tokens.map((t) => ({ t })) as unknown as string[] }), "contributions: option labels must be an array of strings"],
    ["title a number", () => heatmap(v, { title: 3 as unknown as string }), "heatmap: option title must be a string, got number 3"],
    ["series name a number", () => lineChart({ x: [1], y: [1], name: 7 as unknown as string }), "lineChart: the name of series 0 must be a string, got number"],
    ["series not an object", () => lineChart([[1, 2]] as unknown as LineSeries[]), "lineChart: series 0 must be an object { x, y, name? }, got an array"],
    // unknown or wrongly typed options
    ["heatmap misspelled", () => heatmap(v, { decimal: 2 } as unknown as HeatmapOptions), 'heatmap: unknown option "decimal"; its options are labels'],
    ["bars xlabel", () => bars([1], { xlabel: "x" } as unknown as BarsOptions), 'bars: unknown option "xlabel"; its options are'],
    ["lineChart xlabel", () => lineChart({ x: [1], y: [1] }, { xlabel: "x" } as unknown as LineChartOptions), 'lineChart: unknown option "xlabel"; its options are xLabel, yLabel'],
    ["scheme unknown", () => heatmap(v, { scheme: "rainbow" as "blues" }), 'heatmap: option scheme must be one of "blues", "diverging"'],
    ["legend a number", () => heatmap(v, { legend: 1 as unknown as boolean }), "heatmap: option legend must be a boolean or a string, got number"],
    ["pipelineDiagram option", () => pipelineDiagram({ highlight: 3 } as unknown as { title: string }), 'pipelineDiagram: unknown option "highlight"; its options are title'],
  ];
  it.each(cases)("%s", (_, draw, message) => {
    expect(draw).toThrow(message);
  });

  it("draws valid input with no NaN anywhere in the SVG", () => {
    const figures = [
      heatmap(steps.scores, { labels: tokens }),
      heatmap(Matrix.from([[-1, 2], [0, 0.5]]), { scheme: "diverging" }),
      heatmaps([steps.weights, steps.weights], { labels: tokens, titles: ["a", "b"], columns: 1 }),
      compareBars([[0.2, 0.8], [0, 1.6]], { labels: ["a", "b"], titles: ["before", "after"] }),
      bars([0, 0, 0]),
      bars([-1, 2], { domain: [-2, 2] }),
      lineChart({ x: [1, 10, 100], y: [1, 10, 100] }, { xScale: "log", yScale: "log", dots: true }),
      contributions([1, 0, 0, 0, 0, 0], steps.v),
      pipelineDiagram(),
      heatmap(Matrix.zeros(2, 2), { legend: "all zero" }),
    ];
    for (const f of figures) expect(f.markup).not.toMatch(/NaN|undefined|Infinity/);
  });

  it("draws the largest bar chart it allows", () => {
    expect(bars(new Array(2_000).fill(0.5)).markup.match(/<rect /g)!.length).toBeGreaterThanOrEqual(2_000);
  }, 60_000);
});

describe("pictures that say what the prose says", () => {
  it("diverging: white at 0, red above, blue below, on a scale symmetric around 0", () => {
    const markup = heatmap(Matrix.from([[-0.5, 0, 2]]), { scheme: "diverging", decimals: 1 }).markup;
    const fills = [...markup.matchAll(/<rect [^>]*fill="([^"]+)"/g)].map((m) => m[1]).filter((f) => f.startsWith("rgb"));
    expect(fills).toHaveLength(3);
    const [neg, zero, pos] = fills.map(parseColor);
    expect(Math.min(...zero.slice(0, 3))).toBeGreaterThan(230); // white-ish at 0
    expect(pos[0]).toBeGreaterThan(pos[2]); // red above 0
    expect(neg[2]).toBeGreaterThan(neg[0]); // blue below 0
    expect(texts(markup)).toEqual(expect.arrayContaining(["−2", "2"])); // legend from -2 to 2
  });

  it("heatmaps share one scale: the same value has the same color in every grid", () => {
    const a = Matrix.from([[0, 1]]);
    const b = Matrix.from([[1, 2]]);
    const markup = heatmaps([a, b], { titles: ["a", "b"] }).markup;
    const fills = [...markup.matchAll(/<rect [^>]*fill="(rgb[^"]+)"/g)].map((m) => m[1]);
    expect(fills).toHaveLength(4);
    expect(fills[1]).toBe(fills[2]); // a's 1 and b's 1
    expect(markup.match(/<image /g)).toHaveLength(1);
  });

  it("compareBars puts both charts on one y axis", () => {
    const markup = compareBars([[0.2, 0.3], [0, 0.6]], { titles: ["before", "after"] }).markup;
    const ticks = texts(markup).filter((t) => /^0\.\d$/.test(t));
    // Both charts run from 0 to 0.6, so each has the tick 0.6, though the first's largest bar is 0.3.
    expect(ticks.filter((t) => t === "0.6").length).toBe(2);
    expect(texts(markup)).toEqual(expect.arrayContaining(["before", "after"]));
  });

  it("a log axis spaces 1, 10 and 100 equally", () => {
    const markup = lineChart({ x: [1, 10, 100], y: [1, 10, 100] }, { xScale: "log", yScale: "log", dots: true }).markup;
    const circles = [...markup.matchAll(/<circle [^>]*cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(circles).toHaveLength(3);
    expect(circles[1] - circles[0]).toBeCloseTo(circles[2] - circles[1], 6);
  });

  it("pipelineDiagram draws the diagram's ten steps with the notebook of each", () => {
    const written = texts(pipelineDiagram().markup);
    for (const name of ["Text", "Tokens", "X", "W_Q, W_K, W_V", "Q, K, V", "K^T", "Scores", "Softmax", "Weights", "Output"]) {
      expect(written).toContain(name);
    }
    expect(written.filter((t) => t === "notebook 5")).toHaveLength(1);
    expect(pipelineDiagram().markup.match(/<polygon /g)).toHaveLength(9); // one arrow between each pair of steps
  });
});
