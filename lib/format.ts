// Prints a matrix the way the diagram does: one bracketed row per line, a fixed number of decimals.
import type { Matrix } from "./matrix.js";

/** "6x3": how every error message names a shape. */
export function shapeText(m: { rows: number; cols: number }): string {
  return `${m.rows}x${m.cols}`;
}

export interface FormatOptions {
  /** Digits after the point; the diagram prints 4. */
  decimals?: number;
  /** A label in front of each row, e.g. the tokens. */
  rowLabels?: readonly string[];
  /** A header above the columns, e.g. the tokens again for a 6x6 matrix. */
  colLabels?: readonly string[];
}

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

export function formatMatrix(m: Matrix, options: FormatOptions = {}): string {
  const { decimals = 4, rowLabels, colLabels } = options;
  checkLabels("row", rowLabels, m.rows, m);
  checkLabels("column", colLabels, m.cols, m);
  const cells = m.toArray().map((row) => row.map((v) => fixed(v, decimals)));
  const width = Math.max(...cells.flat().map((s) => s.length), ...(colLabels ?? []).map((s) => s.length));
  const labelWidth = rowLabels ? Math.max(...rowLabels.map((s) => s.length)) + 1 : 0;
  const lines: string[] = [];
  if (colLabels) {
    lines.push(" ".repeat(labelWidth + 1) + colLabels.map((s) => s.padStart(width)).join("  "));
  }
  cells.forEach((row, i) => {
    const label = rowLabels ? rowLabels[i].padEnd(labelWidth) : "";
    lines.push(`${label}[${row.map((s) => s.padStart(width)).join(", ")}]`);
  });
  return lines.join("\n");
}
