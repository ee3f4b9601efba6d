// The cell grid behind heatmap and compareHeatmaps: colored cells, values written in them, labels on both axes.
import * as Plot from "@observablehq/plot";
import { Matrix, shapeText } from "../core/matrix.js";
import { checkCount, checkDecimals, checkPlottable } from "./checks.js";
import { isDark } from "./color.js";
import type { HeatmapOptions } from "./heatmap.js";
import { fontSize, textWidth, type Part } from "./layout.js";
import { colorLegendPart, colorOf, plotPart } from "./render.js";
import { finiteExtent, formatValue, indexLabels, largest, symmetricExtent } from "./values.js";

/** The grid alone, plus where its cells start; heatmap and compareHeatmaps add titles and legends around it. */
export interface Grid extends Part {
  cellsLeft: number;
  cellsWidth: number;
}

/** The most cells a grid draws: past that the SVG is too big to display, and a slice says more. */
export const maxCells = 10_000;

/** One color scale for all the matrices, so that equal colors mean equal values across them. */
export function heatmapColor(matrices: readonly Matrix[], options: HeatmapOptions, op = "heatmap"): Plot.ScaleOptions {
  const values = matrices.flatMap((m) => Array.from(m.data));
  const diverging = options.scheme === "diverging";
  const domain = options.domain ?? (diverging ? symmetricExtent(values) : finiteExtent(values));
  // The scale divides by its width: a width that overflows (1e308 - -1e308) would place every color at NaN.
  if (!Number.isFinite(domain[1] - domain[0])) {
    throw new RangeError(`${op}: the colors would span [${domain[0]}, ${domain[1]}], whose width overflows float64; scale the values down or give a domain`);
  }
  return { type: "linear", scheme: diverging ? "burd" : ((options.scheme ?? "blues") as Plot.ColorScheme), domain };
}

export function heatmapGrid(op: string, m: Matrix, options: HeatmapOptions, color: Plot.ScaleOptions): Grid {
  checkPlottable(op, "the matrix", m);
  if (m.rows * m.cols > maxCells) {
    throw new RangeError(`${op}: a ${shapeText(m)} matrix has ${m.rows * m.cols} cells, more than the ${maxCells} a heatmap draws; plot a slice of it`);
  }
  const { decimals = 2 } = options;
  checkDecimals(op, decimals);
  const rowLabels = options.rowLabels ?? options.labels ?? indexLabels(m.rows);
  const colLabels = options.colLabels ?? options.labels ?? indexLabels(m.cols);
  // Errors name the option the labels came from: "row labels", "column labels" or plain "labels".
  const rowOption = options.rowLabels ? "row labels" : "labels";
  const colOption = options.colLabels ? "column labels" : "labels";
  checkCount(op, rowOption, rowLabels.length, m.rows, `rows of a ${shapeText(m)} matrix`);
  checkCount(op, colOption, colLabels.length, m.cols, `columns of a ${shapeText(m)} matrix`);

  const fill = colorOf(color);
  const cells = Array.from(m.data, (value, k) => {
    const finite = Number.isFinite(value);
    const text = formatValue(value, decimals);
    return { i: Math.floor(k / m.cols), j: k % m.cols, value, text, finite, dark: finite && isDark(fill(value)) };
  });

  const valueWidth = largest(cells.map((c) => textWidth(c.text)));
  const labelWidth = largest(colLabels.map((s) => textWidth(s)));
  const marginLeft = largest(rowLabels.map((s) => textWidth(s))) + 10;
  const fitted = options.width === undefined ? undefined : (options.width - marginLeft) / m.cols;
  const cell = Math.max(4, Math.floor(options.cellSize ?? fitted ?? Math.min(72, Math.max(36, valueWidth + 14, labelWidth + 10))));
  // Column labels wider than a cell are tilted so they do not run into each other.
  const tilted = labelWidth + 6 > cell;
  const marginTop = tilted ? Math.ceil(labelWidth * 0.6) + 14 : 24;
  const showValues = options.values ?? valueWidth + 4 <= cell;
  const inset = cell >= 24 ? 1 : 0.5;
  const byRow = (d: (typeof cells)[number]) => d.i;
  const byCol = (d: (typeof cells)[number]) => d.j;

  const grid = plotPart({
    width: marginLeft + m.cols * cell + 2,
    height: marginTop + m.rows * cell + 2,
    marginLeft,
    marginTop,
    marginRight: 2,
    marginBottom: 2,
    x: { axis: "top", domain: [...colLabels.keys()], tickFormat: (j: number) => colLabels[j], tickSize: 0, label: null, padding: 0, tickRotate: tilted ? -35 : 0 },
    y: { domain: [...rowLabels.keys()], tickFormat: (i: number) => rowLabels[i], tickSize: 0, label: null, padding: 0 },
    color,
    marks: [
      Plot.cell(cells.filter((c) => c.finite), { x: byCol, y: byRow, fill: "value", inset }),
      // Masked cells (-Infinity) have no color on the scale: a plain gray says "nothing to attend to".
      Plot.cell(cells.filter((c) => !c.finite), { x: byCol, y: byRow, fill: "#e5e7eb", inset }),
      ...(showValues
        ? [
            Plot.text(cells.filter((c) => c.dark), { x: byCol, y: byRow, text: "text", fill: "white", fontSize }),
            Plot.text(cells.filter((c) => !c.dark), { x: byCol, y: byRow, text: "text", fill: "#1f2328", fontSize }),
          ]
        : []),
    ],
  });
  return { ...grid, cellsLeft: marginLeft, cellsWidth: m.cols * cell };
}

/** The grid's color legend, under its cells: a ramp as wide as the grid (160 to 320 px). */
export function gridLegend(grid: Grid, color: Plot.ScaleOptions, legend: boolean | string | undefined): Part | undefined {
  if (legend === false) return undefined;
  const width = Math.min(320, Math.max(160, grid.cellsWidth));
  return colorLegendPart(color, { width, marginLeft: grid.cellsLeft, label: typeof legend === "string" ? legend : undefined });
}

