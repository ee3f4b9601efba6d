// One row of numbers as bars, e.g. how much one token attends to each of the others.
import * as Plot from "@observablehq/plot";
import type { Matrix } from "../core/matrix.js";
import type { OptionSpec } from "../core/options.js";
import { checkCount, checkPlotOptions, commonSpecs, size, toVector } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { column, fontSize, panelTitle, row, textWidth, type Part } from "./layout.js";
import { plotPart, yTickCount } from "./render.js";
import { formatValue, indexLabels, largest, smallest } from "./values.js";

export interface BarsOptions {
  /** One label per bar, e.g. the tokens (default "0", "1", ...). */
  labels?: readonly string[];
  title?: string;
  /** Digits after the point in the value labels (default 2). */
  decimals?: number;
  /** The y range (default from 0 to the largest value, made round). */
  domain?: [number, number];
  /** Bar color (default a calm blue). */
  color?: string;
  /** Height in px of the chart (default 240). */
  height?: number;
}

export interface CompareBarsOptions extends BarsOptions {
  /** One title per chart. */
  titles?: readonly string[];
}

const barsSpec = { ...commonSpecs, color: "string", height: size(80, 2000) } as const satisfies OptionSpec;

/** The most bars a chart draws: past that the bars are thinner than a pixel, and a slice says more. */
export const maxBars = 2_000;

/** The chart alone, on a given y domain, so that charts drawn side by side can share it. */
function barsPart(op: string, vector: readonly number[], options: BarsOptions, domain: [number, number], nice: boolean): Part {
  const { decimals = 2, color = "#4269d0", height = 240 } = options;
  if (vector.length > maxBars) throw new RangeError(`${op}: ${vector.length} values are more than the ${maxBars} bars a chart draws; plot a slice of them`);
  const labels = options.labels ?? indexLabels(vector.length);
  checkCount(op, "labels", labels.length, vector.length, "values");
  const data = vector.map((value, i) => ({ i, value, text: formatValue(value, decimals) }));
  const step = largest([...labels.map((s) => textWidth(s) + 12), ...data.map((d) => textWidth(d.text) + 12)], 48);
  const x = (d: (typeof data)[number]) => d.i;
  const [marginTop, marginBottom] = [24, 28];
  return plotPart({
    width: 48 + vector.length * step,
    height,
    marginLeft: 48,
    marginTop,
    marginBottom,
    x: { domain: [...labels.keys()], tickFormat: (i: number) => labels[i], tickSize: 0, label: null, padding: 0.2 },
    y: { domain, nice: nice ? yTickCount(height, marginTop, marginBottom) : false, grid: true, label: null },
    marks: [
      Plot.barY(data, { x, y: "value", fill: color }),
      Plot.ruleY([0]),
      // Labels sit above bars that go up and below bars that go down.
      Plot.text(data.filter((d) => d.value >= 0), { x, y: "value", text: "text", lineAnchor: "bottom", dy: -4, fontSize }),
      Plot.text(data.filter((d) => d.value < 0), { x, y: "value", text: "text", lineAnchor: "top", dy: 4, fontSize }),
    ],
  });
}

/** From 0 (or below, for negative values) to the largest value of all the vectors. */
function barsDomain(vectors: readonly (readonly number[])[]): [number, number] {
  return [smallest(vectors.flat(), 0), largest(vectors.flat(), 0)];
}

/** bars(weights.row(1), { labels: diagram.tokens }): values as bars, each labelled with its value. */
export function bars(values: readonly number[] | Matrix, options: BarsOptions = {}): Figure {
  const checked = checkPlotOptions("bars", options, barsSpec);
  const vector = toVector("bars", "values", values);
  const chart = barsPart("bars", vector, checked, checked.domain ?? barsDomain([vector]), checked.domain === undefined);
  return toFigure(chart, { title: checked.title });
}

/**
 * compareBars(before, after, { labels: tokens, titles: ["before", "after"] }): two (or more) bar charts side by
 * side on one y axis, so that equal heights mean equal values.
 */
export function compareBars(series: readonly (readonly number[] | Matrix)[], options: CompareBarsOptions = {}): Figure {
  const op = "compareBars";
  const checked = checkPlotOptions(op, options, { ...barsSpec, titles: "strings" });
  if (!Array.isArray(series) || series.length === 0) throw new RangeError(`${op}: expected a non-empty array of value lists`);
  const vectors = series.map((values, k) => toVector(op, `values ${k}`, values));
  const titles = checked.titles ?? vectors.map((_, k) => String(k));
  checkCount(op, "titles", titles.length, vectors.length, "charts");
  const domain = checked.domain ?? barsDomain(vectors);
  // Round the shared domain once, so that every chart draws the same ticks.
  const nice = checked.domain === undefined;
  const panels = vectors.map((v, k) => {
    const chart = barsPart(op, v, checked, domain, nice);
    return column([panelTitle(titles[k], chart.width), chart], 8);
  });
  return toFigure(row(panels, 36), { title: checked.title });
}
