// heatmap: a matrix as a grid of colored cells, its value written in each, with a color legend.
import type { Matrix } from "../matrix.js";
import { checkPlottable } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { gridLegend, heatmapColor, heatmapGrid } from "./grid.js";
import { column } from "./layout.js";

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
  /** A Plot color scheme name (default "blues"; "rdbu", "viridis", ... work too). */
  scheme?: string;
  /** The values at the two ends of the colors (default: the matrix's min and max). */
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

/** heatmap(scores, { labels: diagram.tokens }): rows top to bottom in matrix order, columns left to right. */
export function heatmap(m: Matrix, options: HeatmapOptions = {}): Figure {
  checkPlottable("heatmap", "the matrix", m);
  const color = heatmapColor([m], options);
  const grid = heatmapGrid("heatmap", m, options, color);
  return toFigure(column([grid, gridLegend(grid, color, options.legend)], 12), { title: options.title });
}
