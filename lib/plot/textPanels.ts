// Texts side by side, each under its own heading: what a model wrote at several points of training, or with
// several settings. Monospace, line breaks kept, long lines wrapped, so that the columns compare line by line.
import { checkOptions } from "../core/options.js";
import { toFigure, type Figure } from "./figure.js";
import { fontSize, row, textPart, textWidth, column, type Part } from "./layout.js";
import { svgElement } from "./dom.js";

export interface TextPanel {
  /** The heading above the text, e.g. "step 500, val loss 2.05". */
  title: string;
  text: string;
}

export interface TextPanelsOptions {
  title?: string;
  /** Characters per line before a line wraps (default 32); a wrapped piece starts with a faint "↪". */
  columns?: number;
  /** Lines shown per panel; the rest is cut, with "…" (default 14). */
  lines?: number;
}

const lineHeight = 16;
// A monospace character is about 0.6 em wide.
const charWidth = Math.ceil(fontSize * 0.62);

/** Starts a piece that continues the line above: a wrap made here, not a newline the text has. */
export const CONTINUED = "↪";

/**
 * The lines a panel shows: the text's own lines, each cut into pieces of at most `columns` characters, every piece
 * after the first marked with CONTINUED, so that a wrap never reads as a line break of the text.
 */
export function panelLines(text: string, columns: number, lines: number): string[] {
  const wrapped: string[] = [];
  for (const line of text.split("\n")) {
    const chars = [...line];
    wrapped.push(chars.slice(0, columns).join(""));
    for (let i = columns; i < chars.length; i += columns - 1) wrapped.push(CONTINUED + chars.slice(i, i + columns - 1).join(""));
  }
  if (wrapped.length <= lines) return wrapped;
  const kept = wrapped.slice(0, lines);
  kept[lines - 1] = [...kept[lines - 1]].slice(0, columns - 1).join("") + "…";
  return kept;
}

function panelPart(panel: TextPanel, columns: number, lines: number): Part {
  const shown = panelLines(panel.text, columns, lines);
  const width = Math.max(columns * charWidth, textWidth(panel.title, 13, "bold"));
  const node = svgElement("g", { "font-family": "ui-monospace, Menlo, Consolas, monospace", "font-size": fontSize, fill: "currentColor" });
  node.appendChild(svgElement("rect", { x: -6, y: -4, width: width + 12, height: shown.length * lineHeight + 8, fill: "#f6f8fa", rx: 4 }));
  shown.forEach((line, i) => {
    const attributes = { y: (i + 1) * lineHeight - 4, "xml:space": "preserve" };
    if (!line.startsWith(CONTINUED)) return void node.appendChild(svgElement("text", attributes, line));
    const text = svgElement("text", attributes);
    text.appendChild(svgElement("tspan", { "fill-opacity": 0.4 }, CONTINUED));
    text.appendChild(svgElement("tspan", {}, line.slice(CONTINUED.length)));
    node.appendChild(text);
  });
  const text: Part = { width: width + 6, height: shown.length * lineHeight + 4, node };
  return column([textPart(panel.title, { size: 13, weight: "bold" }), text], 8);
}

/** textPanels([{ title: "step 0", text: "..." }, ...]): one column of text per panel, left to right. */
export function textPanels(panels: readonly TextPanel[], options: TextPanelsOptions = {}): Figure {
  const op = "textPanels";
  const { title, columns = 32, lines = 14 } = checkOptions(op, options, {
    title: "string",
    columns: { kind: "integer", min: 4, max: 200 },
    lines: { kind: "integer", min: 1, max: 200 },
  });
  if (!Array.isArray(panels) || panels.length === 0) throw new RangeError(`${op}: expected at least one panel { title, text }`);
  panels.forEach((p, i) => {
    if (typeof p?.title !== "string" || typeof p?.text !== "string") {
      throw new TypeError(`${op}: panel ${i} must be { title: string, text: string }`);
    }
  });
  return toFigure(row(panels.map((p) => panelPart(p, columns, lines)), 24), { title });
}
