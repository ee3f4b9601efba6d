// One output row as what it is made of: weight_j times value row V_j, stacked per output dimension.
import * as Plot from "@observablehq/plot";
import { Matrix, shapeText } from "../core/matrix.js";
import type { OptionSpec } from "../core/options.js";
import { checkCount, checkPlotOptions, checkPlottable, size, toVector } from "./checks.js";
import { isDark } from "./color.js";
import { toFigure, type Figure } from "./figure.js";
import { column, swatches, textWidth } from "./layout.js";
import { colorOf, plotPart } from "./render.js";
import { formatValue, indexLabels, largest, smallest } from "./values.js";

export interface ContributionsOptions {
  /** The token of each value row, as heatmap's labels (default "0", "1", ...). */
  labels?: readonly string[];
  /** The name of each output dimension, as heatmap's colLabels (default "0", "1", ...). */
  colLabels?: readonly string[];
  title?: string;
  /** Digits after the point in the labels (default 2). */
  decimals?: number;
  /** Height in px of the chart (default 300). */
  height?: number;
}

const contributionsSpec = {
  labels: "strings",
  colLabels: "strings",
  title: "string",
  decimals: "number",
  height: size(120, 2000),
} as const satisfies OptionSpec;

/** parts[j][d] = weights[j] * V[j][d], and totals[d] = the sum over j: the output row, by construction. */
export function contributionParts(
  weightsRow: readonly number[] | Matrix,
  v: Matrix,
): { weights: number[]; parts: number[][]; totals: number[] } {
  const weights = toVector("contributions", "weightsRow", weightsRow);
  checkPlottable("contributions", "V", v);
  checkCount("contributions", "weights", weights.length, v.rows, `rows of V (${shapeText(v)})`);
  const parts = weights.map((w, j) => v.row(j).map((value) => w * value));
  const totals = Array.from({ length: v.cols }, (_, d) => parts.reduce((sum, part) => sum + part[d], 0));
  return { weights, parts, totals };
}

/** contributions(weights.row(0), v, { labels: tokens }): the output of token 0 as a mix of the value rows. */
export function contributions(weightsRow: readonly number[] | Matrix, v: Matrix, options: ContributionsOptions = {}): Figure {
  const checked = checkPlotOptions("contributions", options, contributionsSpec);
  const { decimals = 2, height = 300 } = checked;
  const { weights, parts, totals } = contributionParts(weightsRow, v);
  const tokens = checked.labels ?? indexLabels(v.rows);
  const dims = checked.colLabels ?? indexLabels(v.cols);
  checkCount("contributions", "labels", tokens.length, v.rows, `rows of V (${shapeText(v)})`);
  checkCount("contributions", "column labels", dims.length, v.cols, `columns of V (${shapeText(v)})`);

  const color = { type: "ordinal", domain: [...tokens.keys()], scheme: "observable10" } as const;
  const colorOfToken = colorOf(color);
  // Stacked by hand (positive pieces up from 0, negative ones down) so that bars and their labels share positions.
  const pieces = parts.flatMap((part, j) => part.map((value, d) => ({ j, d, value, y1: 0, y2: 0, text: formatValue(value, decimals) })));
  const top = dims.map(() => 0);
  const bottom = dims.map(() => 0);
  for (const p of pieces) {
    const ends = p.value >= 0 ? top : bottom;
    [p.y1, p.y2] = [ends[p.d], (ends[p.d] += p.value)];
  }
  const sums = totals.map((total, d) => ({ d, total, text: formatValue(total, decimals) }));
  const [lo, hi] = [smallest(bottom), largest(top)];
  const marginTop = 24;
  const marginBottom = 28;
  // A piece gets its value written inside only when it is tall enough to hold the text.
  const pxPerUnit = (height - marginTop - marginBottom) / (hi - lo || 1);
  const labelled = pieces.filter((p) => Math.abs(p.value) * pxPerUnit >= 15);
  const middle = (p: (typeof pieces)[number]) => (p.y1 + p.y2) / 2;
  const step = largest(dims.map((s) => textWidth(s) + 16), 72);

  const chart = plotPart({
    width: 52 + dims.length * step,
    height,
    marginLeft: 52,
    marginTop,
    marginBottom,
    x: { domain: [...dims.keys()], tickFormat: (d: number) => dims[d], tickSize: 0, label: null, padding: 0.25 },
    y: { domain: [lo, hi], grid: true, label: null },
    color,
    marks: [
      Plot.barY(pieces, { x: "d", y1: "y1", y2: "y2", fill: "j", stroke: "white", strokeWidth: 1 }),
      Plot.text(labelled.filter((p) => isDark(colorOfToken(p.j))), { x: "d", y: middle, text: "text", fill: "white", fontSize: 11 }),
      Plot.text(labelled.filter((p) => !isDark(colorOfToken(p.j))), { x: "d", y: middle, text: "text", fill: "#1f2328", fontSize: 11 }),
      Plot.ruleY([0]),
      // The total: the output value itself, marked where the stack ends.
      Plot.tickY(sums, { x: "d", y: "total", stroke: "#1f2328", strokeWidth: 2.5 }),
      Plot.text(sums, { x: "d", y: "total", text: "text", lineAnchor: "bottom", dy: -5, fontWeight: "bold" }),
    ],
  });
  const key = swatches(
    tokens.map((token, j) => ({ label: `${token} × ${formatValue(weights[j], decimals)}`, color: colorOfToken(j) })),
    Math.max(chart.width, 320),
  );
  return toFigure(column([chart, key], 10), { title: checked.title });
}
