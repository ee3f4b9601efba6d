// One row of numbers as bars, e.g. how much one token attends to each of the others.
import * as Plot from "@observablehq/plot";
import type { Matrix } from "../matrix.js";
import { checkCount, checkDecimals, toVector } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { fontSize, textWidth } from "./layout.js";
import { plotPart } from "./render.js";
import { formatValue, indexLabels } from "./values.js";

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

/** bars(weights.row(1), { labels: diagram.tokens }): values as bars, each labelled with its value. */
export function bars(values: readonly number[] | Matrix, options: BarsOptions = {}): Figure {
  const { decimals = 2, color = "#4269d0", height = 240 } = options;
  const vector = toVector("bars", "values", values);
  checkDecimals("bars", decimals);
  const labels = options.labels ?? indexLabels(vector.length);
  checkCount("bars", "labels", labels.length, vector.length, "values");

  const data = vector.map((value, i) => ({ i, value, text: formatValue(value, decimals) }));
  const step = Math.max(48, ...labels.map((s) => textWidth(s) + 12), ...data.map((d) => textWidth(d.text) + 12));
  const domain = options.domain ?? [Math.min(0, ...vector), Math.max(0, ...vector)];
  const x = (d: (typeof data)[number]) => d.i;
  const chart = plotPart({
    width: 48 + vector.length * step,
    height,
    marginLeft: 48,
    marginTop: 24,
    marginBottom: 28,
    x: { domain: [...labels.keys()], tickFormat: (i: number) => labels[i], tickSize: 0, label: null, padding: 0.2 },
    y: { domain, nice: options.domain === undefined, grid: true, label: null },
    marks: [
      Plot.barY(data, { x, y: "value", fill: color }),
      Plot.ruleY([0]),
      // Labels sit above bars that go up and below bars that go down.
      Plot.text(data.filter((d) => d.value >= 0), { x, y: "value", text: "text", lineAnchor: "bottom", dy: -4, fontSize }),
      Plot.text(data.filter((d) => d.value < 0), { x, y: "value", text: "text", lineAnchor: "top", dy: 4, fontSize }),
    ],
  });
  return toFigure(chart, { title: options.title });
}
