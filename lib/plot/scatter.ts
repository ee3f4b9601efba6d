// Labelled points in the plane, colored by group: e.g. each character's learned embedding projected to 2-D, where
// characters that behave alike land near each other.
import * as Plot from "@observablehq/plot";
import { checkOptions } from "../core/options.js";
import { toFigure, type Figure } from "./figure.js";
import { column, swatches } from "./layout.js";
import { colorOf, plotPart } from "./render.js";

export interface ScatterPoint {
  x: number;
  y: number;
  /** Written at the point (e.g. the character). */
  label?: string;
  /** Points of one group share a color and a line of the key. */
  group?: string;
}

export interface ScatterOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Size in px of the chart (default 560 x 440). */
  width?: number;
  height?: number;
  /** The groups in the key's order (default: in order of first appearance). */
  groups?: readonly string[];
}

/** scatter(points, { xLabel: "component 1" }): each point a dot, its label beside it, its group's color. */
export function scatter(points: readonly ScatterPoint[], options: ScatterOptions = {}): Figure {
  const op = "scatter";
  const o = checkOptions(op, options, {
    title: "string",
    xLabel: "string",
    yLabel: "string",
    width: { kind: "integer", min: 100, max: 4000 },
    height: { kind: "integer", min: 100, max: 4000 },
    groups: "strings",
  });
  const { width = 560, height = 440 } = o;
  if (!Array.isArray(points) || points.length === 0) throw new RangeError(`${op}: no points to draw`);
  points.forEach((p, i) => {
    if (!Number.isFinite(p?.x) || !Number.isFinite(p?.y)) throw new RangeError(`${op}: point ${i} is (${p?.x}, ${p?.y}); x and y must be finite numbers`);
  });
  const named = [...new Set(points.map((p) => p.group ?? ""))];
  const groups = o.groups ?? named;
  const unknown = named.find((g) => !groups.includes(g));
  if (unknown !== undefined) throw new RangeError(`${op}: group ${JSON.stringify(unknown)} is not in options.groups (${groups.join(", ")})`);
  const data = points.map((p) => ({ ...p, k: groups.indexOf(p.group ?? ""), text: p.label ?? "" }));

  const color = { type: "ordinal", domain: [...groups.keys()], scheme: "observable10" } as const;
  const chart = plotPart({
    width,
    height,
    marginLeft: 52,
    marginBottom: 40,
    marginTop: 20,
    marginRight: 28,
    inset: 12,
    x: { label: o.xLabel ?? null, labelAnchor: "center", labelArrow: "none" },
    y: { label: o.yLabel ?? null, grid: true, labelArrow: "none" },
    color,
    marks: [
      Plot.dot(data, { x: "x", y: "y", fill: "k", r: 3 }),
      Plot.text(data, { x: "x", y: "y", text: "text", fill: "k", dx: 7, textAnchor: "start", fontSize: 13, fontWeight: "bold" }),
    ],
  });
  const showKey = groups.length > 1 || groups[0] !== "";
  const key = showKey ? swatches(groups.map((label, k) => ({ label, color: colorOf(color)(k) })), width) : undefined;
  return toFigure(column([chart, key], 8), { title: o.title });
}
