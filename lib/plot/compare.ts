// Two matrices compared: side by side on one color scale, or their difference on a diverging scale.
import type { Matrix } from "../matrix.js";
import { checkSameShape, zip } from "../ops.js";
import { checkCount, checkPlottable } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { gridLegend, heatmapColor, heatmapGrid } from "./grid.js";
import { heatmap, type HeatmapOptions } from "./heatmap.js";
import { column, row, textPart } from "./layout.js";
import { finiteExtent } from "./values.js";

export interface CompareOptions extends Omit<HeatmapOptions, "width"> {
  /** One title per heatmap (default ["printed", "computed"]). */
  titles?: readonly [string, string] | readonly string[];
}

/** compareHeatmaps(diagram.printed.scores, scores): equal colors mean equal values, across both grids. */
export function compareHeatmaps(a: Matrix, b: Matrix, options: CompareOptions = {}): Figure {
  const op = "compareHeatmaps";
  checkPlottable(op, "the first matrix", a);
  checkPlottable(op, "the second matrix", b);
  checkSameShape(op, a, b);
  const titles = options.titles ?? ["printed", "computed"];
  checkCount(op, "titles", titles.length, 2, "heatmaps");
  const color = heatmapColor([a, b], options);
  const grids = [a, b].map((m) => heatmapGrid(op, m, options, color));
  const panels = grids.map((grid, k) => column([textPart(titles[k], { size: 13, weight: "bold" }), grid], 8));
  return toFigure(column([row(panels, 36), gridLegend(grids[0], color, options.legend)], 12), { title: options.title });
}

/** a - b cell by cell: white where they agree, red where a is larger, blue where b is; the scale is symmetric around 0. */
export function differenceHeatmap(a: Matrix, b: Matrix, options: HeatmapOptions = {}): Figure {
  checkPlottable("differenceHeatmap", "the first matrix", a);
  checkPlottable("differenceHeatmap", "the second matrix", b);
  // Two masked (-Infinity) scores agree: their difference is 0, not Infinity - Infinity = NaN.
  const difference = zip("differenceHeatmap", a, b, (x, y) => (x === y ? 0 : x - y));
  const [lo, hi] = finiteExtent(difference.data);
  const reach = Math.max(Math.abs(lo), Math.abs(hi));
  return heatmap(difference, {
    scheme: "burd",
    domain: [-reach, reach],
    legend: "difference (first − second)",
    ...options,
  });
}
