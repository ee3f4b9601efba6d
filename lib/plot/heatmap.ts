// heatmap: a matrix as a grid of colored cells, its value written in each, with a color legend.
import type { Matrix } from "../core/matrix.js";
import type { OptionSpec } from "../core/options.js";
import { checkPlotOptions, checkPlottable, commonSpecs, size } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { gridLegend, heatmapColor, heatmapGrid } from "./grid.js";
import { column } from "./layout.js";

/** The color schemes a heatmap takes; "diverging" is red above 0 and blue below, centred on 0. */
export const heatmapSchemes = ["blues", "diverging", "greens", "greys", "oranges", "purples", "reds", "viridis", "magma", "rdbu", "burd", "piyg"] as const;

export interface HeatmapOptions {
  /** Labels for rows and columns alike, e.g. the tokens for a 6x6 scores matrix. */
  labels?: readonly string[];
  /** Labels for the rows (top to bottom); overrides labels. Default "0", "1", ... */
  rowLabels?: readonly string[];
  /** Labels for the columns (left to right); overrides labels. Default "0", "1", ... */
  colLabels?: readonly string[];
  title?: string;
  /** Digits after the point in each cell (default 2). */
  decimals?: number;
  /**
   * The colors (default "blues"). "diverging" is for signed values: white at 0, red above, blue below, on a
   * scale symmetric around 0, so that the color says the sign.
   */
  scheme?: (typeof heatmapSchemes)[number];
  /** The values at the two ends of the colors (default: the matrix's min and max; for "diverging", ±the largest |value|). */
  domain?: [number, number];
  /** Draw the color legend (default true); a string also labels it. */
  legend?: boolean | string;
  /** Side of a cell in px (default: wide enough for values and column labels). */
  cellSize?: number;
  /** Total width in px of the grid with its row labels; sets cellSize. */
  width?: number;
  /** Write each value in its cell (default: when it fits). */
  values?: boolean;
}

export const heatmapSpec = {
  ...commonSpecs,
  rowLabels: "strings",
  colLabels: "strings",
  scheme: heatmapSchemes,
  legend: "boolean", // or a string: see checkPlotOptions
  cellSize: size(4, 200),
  width: size(40, 10000),
  values: "boolean",
} as const satisfies OptionSpec;

/** heatmap(scores, { labels: diagram.tokens }): rows top to bottom in matrix order, columns left to right. */
export function heatmap(m: Matrix, options: HeatmapOptions = {}): Figure {
  const checked = checkPlotOptions("heatmap", options, heatmapSpec);
  checkPlottable("heatmap", "the matrix", m);
  const color = heatmapColor([m], checked);
  const grid = heatmapGrid("heatmap", m, checked, color);
  return toFigure(column([grid, gridLegend(grid, color, checked.legend)], 12), { title: checked.title });
}
