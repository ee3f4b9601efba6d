// Lines through (x, y) points, one per series: for curves such as softmax sharpness or a loss going down.
import * as Plot from "@observablehq/plot";
import { checkCount, toVector } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { column, swatches } from "./layout.js";
import { colorOf, plotPart } from "./render.js";

export interface LineSeries {
  x: readonly number[];
  y: readonly number[];
  /** Shown in the key when there are several series. */
  name?: string;
}

export interface LineChartOptions {
  xLabel?: string;
  yLabel?: string;
  title?: string;
  /** Size in px of the chart (default 480 x 280). */
  width?: number;
  height?: number;
  /** Mark each point with a dot (default false). */
  dots?: boolean;
}

/** lineChart([{ x: steps, y: losses, name: "loss" }], { xLabel: "step" }). */
export function lineChart(series: LineSeries | readonly LineSeries[], options: LineChartOptions = {}): Figure {
  const { width = 480, height = 280, dots = false } = options;
  const list: readonly LineSeries[] = Array.isArray(series) ? series : [series as LineSeries];
  if (list.length === 0) throw new RangeError("lineChart: no series to draw");
  const names = list.map((s, k) => s.name ?? `series ${k}`);
  const points = list.flatMap((s, k) => {
    const xs = toVector("lineChart", `x of ${names[k]}`, s.x);
    const ys = toVector("lineChart", `y of ${names[k]}`, s.y);
    checkCount("lineChart", "y values", ys.length, xs.length, `x values in ${names[k]}`);
    return xs.map((x, i) => ({ k, x, y: ys[i] }));
  });

  const color = { type: "ordinal", domain: [...names.keys()], scheme: "observable10" } as const;
  const chart = plotPart({
    width,
    height,
    marginLeft: 52,
    marginBottom: 40,
    marginTop: 20,
    marginRight: 16,
    x: { label: options.xLabel ?? null, labelAnchor: "center", labelArrow: "none" },
    y: { label: options.yLabel ?? null, grid: true, labelArrow: "none" },
    color,
    marks: [
      Plot.line(points, { x: "x", y: "y", z: "k", stroke: "k", strokeWidth: 2 }),
      ...(dots ? [Plot.dot(points, { x: "x", y: "y", fill: "k", r: 2.5 })] : []),
    ],
  });
  const showKey = list.length > 1 || list[0].name !== undefined;
  const key = showKey ? swatches(names.map((label, k) => ({ label, color: colorOf(color)(k) })), width) : undefined;
  return toFigure(column([chart, key], 8), { title: options.title });
}
