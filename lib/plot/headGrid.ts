// Every head of every layer at once: one small heatmap of attention weights per head, a row per layer, all on one
// color scale so that the same color means the same weight in every panel.
import { Matrix, shapeText } from "../core/matrix.js";
import { checkOptions } from "../core/options.js";
import { checkPlottable } from "./checks.js";
import { toFigure, type Figure } from "./figure.js";
import { gridLegend, heatmapColor, heatmapGrid } from "./grid.js";
import { column, row, textPart } from "./layout.js";

export interface HeadGridOptions {
  /** One label per token, on both axes of every panel (e.g. the prompt's characters). */
  labels?: readonly string[];
  title?: string;
  /** Side of a cell in px (default 12). */
  cellSize?: number;
  /** The weights at the two ends of the colors (default [0, 1]: attention weights). */
  domain?: [number, number];
}

/**
 * headGrid(maps, { labels }): maps[layer][head] is a (T, T) matrix of attention weights; panel "layer l, head h"
 * sits in row l, column h. Every panel has the same shape and the same color scale.
 */
export function headGrid(maps: readonly (readonly Matrix[])[], options: HeadGridOptions = {}): Figure {
  const op = "headGrid";
  const { labels, title, cellSize = 12, domain = [0, 1] } = checkOptions(op, options, {
    labels: "strings",
    title: "string",
    cellSize: { kind: "integer", min: 4, max: 80 },
    domain: "numbers",
  });
  if (!Array.isArray(maps) || maps.length === 0 || !maps.every((heads: unknown) => Array.isArray(heads) && heads.length > 0)) {
    throw new RangeError(`${op}: expected maps[layer][head], at least one layer of at least one head`);
  }
  if (domain.length !== 2 || !(domain[0] < domain[1])) throw new RangeError(`${op}: domain must be [low, high] with low < high, got [${domain.join(", ")}]`);
  const first = maps[0][0];
  maps.forEach((heads, l) =>
    heads.forEach((m: Matrix, h: number) => {
      checkPlottable(op, `maps[${l}][${h}]`, m);
      if (m.rows !== first.rows || m.cols !== first.cols) {
        throw new RangeError(`${op}: maps[${l}][${h}] is ${shapeText(m)}, maps[0][0] is ${shapeText(first)}; every panel needs the same shape`);
      }
    }),
  );
  if (maps.some((heads) => heads.length !== maps[0].length)) {
    throw new RangeError(`${op}: every layer needs the same number of heads (${maps.map((heads) => heads.length).join(", ")})`);
  }
  const color = heatmapColor(maps.flat(), { domain: [domain[0], domain[1]] }, op);
  const gridOptions = { labels, cellSize, values: false };
  let last = undefined as ReturnType<typeof heatmapGrid> | undefined;
  const layers = maps.map((heads, l) =>
    row(
      heads.map((m: Matrix, h: number) => {
        last = heatmapGrid(op, m, gridOptions, color);
        return column([textPart(`layer ${l}, head ${h}`, { size: 12, weight: "bold" }), last], 4);
      }),
      18,
    ),
  );
  const legend = gridLegend(last!, color, "attention weight");
  return toFigure(column([...layers, legend], 14), { title });
}
