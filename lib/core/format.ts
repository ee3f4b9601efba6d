// Prints a matrix the way the diagram does: one bracketed row per line, a fixed number of decimals.
// A large matrix prints summarised, as numpy does: its first and last 3 rows and columns around "...".
import type { Matrix } from "./matrix.js";
import { checkOptions, describe } from "./options.js";

/** "6x3": how every error message names a shape. */
export function shapeText(m: { rows: number; cols: number }): string {
  if (typeof m !== "object" || m === null) throw new TypeError(`shapeText: expected a Matrix, got ${describe(m)}`);
  return `${m.rows}x${m.cols}`;
}

export interface FormatOptions {
  /** Digits after the point; the diagram prints 4. */
  decimals?: number;
  /** A label in front of each row, e.g. the tokens. */
  rowLabels?: readonly string[];
  /** A header above the columns, e.g. the tokens again for a 6x6 matrix. */
  colLabels?: readonly string[];
  /** Print every value even of a large matrix (default false: more than 1000 values print summarised). */
  full?: boolean;
}

const FORMAT_OPTIONS = { decimals: { kind: "integer", min: 0, max: 20 }, rowLabels: "strings", colLabels: "strings", full: "boolean" } as const;

// numpy's defaults: summarise above 1000 values, keeping 3 items at each edge of an axis.
const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const GAP = -1;

function checkLabels(what: string, labels: readonly string[] | undefined, count: number, m: Matrix): void {
  if (labels !== undefined && labels.length !== count) {
    throw new RangeError(`formatMatrix: ${labels.length} ${what} labels for a ${shapeText(m)} matrix (need ${count})`);
  }
}

/** value.toFixed(decimals), without the "-0.0000" that a tiny negative would print. */
export function fixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? text.replace("-", "") : text;
}

/** The indices shown along an axis of `length`: all, or the edges with GAP for the "..." between them. */
function shownIndices(length: number, summarise: boolean): number[] {
  if (!summarise || length <= 2 * EDGE_ITEMS) return Array.from({ length }, (_, i) => i);
  return [0, 1, 2, GAP, length - 3, length - 2, length - 1];
}

function longest(texts: readonly string[]): number {
  let width = 0;
  for (const s of texts) if (s.length > width) width = s.length;
  return width;
}

export function formatMatrix(m: Matrix, options: FormatOptions = {}): string {
  if (typeof m !== "object" || m === null || !(m.data instanceof Float64Array || m.data instanceof Float32Array)) {
    throw new TypeError(`formatMatrix: expected a Matrix, got ${Array.isArray(m) ? "an array: use Matrix.from(...)" : describe(m)}`);
  }
  const { decimals = 4, rowLabels, colLabels, full = false } = checkOptions("formatMatrix", options, FORMAT_OPTIONS);
  checkLabels("row", rowLabels, m.rows, m);
  checkLabels("column", colLabels, m.cols, m);
  const summarise = !full && m.rows * m.cols > SUMMARY_THRESHOLD;
  const rows = shownIndices(m.rows, summarise);
  const cols = shownIndices(m.cols, summarise);
  const cells = rows.map((i) => (i === GAP ? [] : cols.map((j) => (j === GAP ? "..." : fixed(m.data[i * m.cols + j], decimals)))));
  const headers = colLabels ? cols.map((j) => (j === GAP ? "..." : colLabels[j])) : [];
  let width = longest(headers);
  for (const row of cells) width = Math.max(width, longest(row));
  const labels = rowLabels ? rows.map((i) => (i === GAP ? "" : rowLabels[i])) : [];
  const labelWidth = rowLabels ? longest(labels) + 1 : 0;
  const lines: string[] = [];
  if (colLabels) lines.push(" ".repeat(labelWidth + 1) + headers.map((s) => s.padStart(width)).join("  "));
  cells.forEach((row, r) => {
    if (rows[r] === GAP) {
      lines.push(" ".repeat(labelWidth) + " ...");
      return;
    }
    const label = rowLabels ? labels[r].padEnd(labelWidth) : "";
    lines.push(`${label}[${row.map((s) => s.padStart(width)).join(", ")}]`);
  });
  return lines.join("\n");
}
