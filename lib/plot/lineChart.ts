// Lines through (x, y) points, one per series: for curves such as softmax sharpness or a loss going down.
import * as Plot from "@observablehq/plot";
import type { OptionSpec } from "../core/options.js";
import { checkCount, checkPlotOptions, size, toVector } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { column, swatches } from "./layout.js";
import { colorOf, plotPart, yTickCount } from "./render.js";
import { largest, smallest } from "./values.js";

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
  /** "log" spaces the axis by powers (1, 10, 100 equally apart): for values that grow by factors. Default "linear". */
  xScale?: "linear" | "log";
  yScale?: "linear" | "log";
}

const scales = ["linear", "log"] as const;
const lineChartSpec = {
  xLabel: "string",
  yLabel: "string",
  title: "string",
  width: size(120, 4000),
  height: size(80, 2000),
  dots: "boolean",
  xScale: scales,
  yScale: scales,
} as const satisfies OptionSpec;

const superscript = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/**
 * Tick labels of a log axis over these values. Plain numbers (0.001, 1000) where "~g" writes them all plainly; once
 * the values reach below 1e-5 or up to 1e6, where "~g" would mix 0.000001 with 1e-7, every power of ten as 10ⁿ.
 */
export function logTickFormat(values: readonly number[]): string | ((v: number) => string) {
  const [lo, hi] = [smallest(values), largest(values)];
  if ((lo >= 1e-5 && hi < 1e6) || hi / lo < 10) return "~g";
  return (v: number) => {
    const k = Math.round(Math.log10(v));
    if (Math.abs(v / 10 ** k - 1) > 1e-9) return ""; // 2 to 9 times a power: a tick without a label, as Plot draws them
    return "10" + String(k).replace("-", "⁻").replace(/\d/g, (d) => superscript[Number(d)]);
  };
}

function checkSeries(op: string, s: unknown, k: number): LineSeries {
  if (typeof s !== "object" || s === null || Array.isArray(s)) {
    throw new TypeError(`${op}: series ${k} must be an object { x, y, name? }, got ${Array.isArray(s) ? "an array" : typeof s}`);
  }
  const { name } = s as LineSeries;
  if (name !== undefined && typeof name !== "string") throw new TypeError(`${op}: the name of series ${k} must be a string, got ${typeof name}`);
  return s as LineSeries;
}

/** lineChart([{ x: steps, y: losses, name: "loss" }], { xLabel: "step" }). */
export function lineChart(series: LineSeries | readonly LineSeries[], options: LineChartOptions = {}): Figure {
  const op = "lineChart";
  const checked = checkPlotOptions(op, options, lineChartSpec);
  const { width = 480, height = 280, dots = false, xScale = "linear", yScale = "linear" } = checked;
  const list = (Array.isArray(series) ? series : [series]).map((s, k) => checkSeries(op, s, k));
  if (list.length === 0) throw new RangeError(`${op}: no series to draw`);
  const names = list.map((s, k) => s.name ?? `series ${k}`);
  const points = list.flatMap((s, k) => {
    const xs = toVector(op, `x of ${names[k]}`, s.x);
    const ys = toVector(op, `y of ${names[k]}`, s.y);
    checkCount(op, "y values", ys.length, xs.length, `x values in ${names[k]}`);
    for (const [axis, scale, values] of [["x", xScale, xs], ["y", yScale, ys]] as const) {
      const bad = values.findIndex((v) => v <= 0);
      if (scale === "log" && bad >= 0) throw new RangeError(`${op}: ${axis} of ${names[k]}[${bad}] is ${values[bad]}; a log ${axis} axis needs values above 0`);
    }
    return xs.map((x, i) => ({ k, x, y: ys[i] }));
  });

  const color = { type: "ordinal", domain: [...names.keys()], scheme: "observable10" } as const;
  const [marginTop, marginBottom] = [20, 40];
  // Numbers on log axes (0.001, 10⁻⁹), not SI prefixes (1m, 1n) that read as units.
  const logFormat = (values: number[]) => ({ tickFormat: logTickFormat(values) });
  const chart = plotPart({
    width,
    height,
    marginLeft: 52,
    marginBottom,
    marginTop,
    marginRight: 16,
    x: { type: xScale, label: checked.xLabel ?? null, labelAnchor: "center", labelArrow: "none", ...(xScale === "log" ? logFormat(points.map((p) => p.x)) : {}) },
    // A linear y axis ends on a tick, so that no line runs along the top edge above the highest label.
    y: {
      type: yScale,
      label: checked.yLabel ?? null,
      grid: true,
      labelArrow: "none",
      ...(yScale === "log" ? logFormat(points.map((p) => p.y)) : { nice: yTickCount(height, marginTop, marginBottom) }),
    },
    color,
    marks: [
      Plot.line(points, { x: "x", y: "y", z: "k", stroke: "k", strokeWidth: 2 }),
      ...(dots ? [Plot.dot(points, { x: "x", y: "y", fill: "k", r: 2.5 })] : []),
    ],
  });
  const showKey = list.length > 1 || list[0].name !== undefined;
  const key = showKey ? swatches(names.map((label, k) => ({ label, color: colorOf(color)(k) })), width) : undefined;
  return toFigure(column([chart, key], 8), { title: checked.title });
}
