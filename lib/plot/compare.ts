// Matrices compared: side by side on one color scale, or their difference on a diverging scale.
import { Matrix } from "../core/matrix.js";
import type { OptionSpec } from "../core/options.js";
import { onBehalfOf } from "../core/errors.js";
import { checkSameShape, zip } from "../core/ops.js";
import { checkCount, checkPlotOptions, checkPlottable } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { gridLegend, heatmapColor, heatmapGrid } from "./grid.js";
import { heatmap, heatmapSpec, type HeatmapOptions } from "./heatmap.js";
import { column, panelTitle, row } from "./layout.js";

export interface CompareOptions extends Omit<HeatmapOptions, "width"> {
  /** One title per heatmap (compareHeatmaps: default ["printed", "computed"]). */
  titles?: readonly string[];
  /** Heatmaps per row before wrapping to the next (default: all in one row). */
  columns?: number;
  /** One list of row labels per heatmap, for grids whose rows stand for different things (tokens, positions). */
  panelRowLabels?: readonly (readonly string[])[];
}

const { width: _width, ...compareBase } = heatmapSpec;
const compareSpec = { ...compareBase, titles: "strings", columns: { kind: "integer", min: 1 }, panelRowLabels: "object" } as const satisfies OptionSpec;

/**
 * heatmaps([head0.weights, head1.weights], { labels: tokens, titles: [...] }): side by side, on one color scale
 * (equal colors mean equal values in every grid), with one legend.
 */
export function heatmaps(matrices: readonly Matrix[], options: CompareOptions = {}): Figure {
  return heatmapsFigure("heatmaps", matrices, options);
}

function heatmapsFigure(op: string, matrices: readonly Matrix[], options: CompareOptions): Figure {
  const checked = checkPlotOptions(op, options, compareSpec);
  if (!Array.isArray(matrices) || matrices.length === 0) throw new RangeError(`${op}: expected a non-empty array of matrices`);
  // Index loops, not forEach: forEach skips the holes of a sparse array.
  for (let k = 0; k < matrices.length; k++) checkPlottable(op, `matrix ${k}`, matrices[k]);
  for (let k = 0; k < matrices.length; k++) checkSameShape(op, matrices[0], matrices[k]);
  const titles = checked.titles ?? matrices.map((_, k) => String(k));
  checkCount(op, "titles", titles.length, matrices.length, "heatmaps");
  const { panelRowLabels } = checked;
  if (panelRowLabels !== undefined) {
    if (!Array.isArray(panelRowLabels) || !panelRowLabels.every((l) => Array.isArray(l) && l.every((s) => typeof s === "string"))) {
      throw new TypeError(`${op}: option panelRowLabels must be an array of string arrays, one per heatmap`);
    }
    checkCount(op, "lists of panelRowLabels", panelRowLabels.length, matrices.length, "heatmaps");
  }
  const color = heatmapColor(matrices, checked, op);
  const grids = matrices.map((m, k) => heatmapGrid(op, m, panelRowLabels ? { ...checked, rowLabels: panelRowLabels[k] } : checked, color));
  const panels = grids.map((grid, k) => column([panelTitle(titles[k], grid.width), grid], 8));
  const perRow = checked.columns ?? panels.length;
  const rows = Array.from({ length: Math.ceil(panels.length / perRow) }, (_, r) => row(panels.slice(r * perRow, (r + 1) * perRow), 36));
  return toFigure(column([column(rows, 20), gridLegend(grids[0], color, checked.legend)], 12), { title: checked.title });
}

/** compareHeatmaps(diagram.printed.scores, scores): two heatmaps side by side on one color scale. */
export function compareHeatmaps(a: Matrix, b: Matrix, options: CompareOptions = {}): Figure {
  const titles = options?.titles ?? ["printed", "computed"];
  return heatmapsFigure("compareHeatmaps", [a, b], { ...options, titles: titles });
}

/** a - b cell by cell: white where they agree, red where a is larger, blue where b is; the scale is symmetric around 0. */
export function differenceHeatmap(a: Matrix, b: Matrix, options: HeatmapOptions = {}): Figure {
  checkPlotOptions("differenceHeatmap", options, heatmapSpec);
  checkPlottable("differenceHeatmap", "the first matrix", a);
  checkPlottable("differenceHeatmap", "the second matrix", b);
  // Two masked (-Infinity) scores agree: their difference is 0, not Infinity - Infinity = NaN.
  const difference = zip("differenceHeatmap", a, b, (x, y) => (x === y ? 0 : x - y));
  return onBehalfOf("differenceHeatmap", () => heatmap(difference, { scheme: "diverging", legend: "difference (first − second)", ...options }));
}
