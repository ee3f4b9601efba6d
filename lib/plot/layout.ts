// Lays parts out in rows and columns inside one SVG, so that every figure is a single standalone <svg>.
import { svgElement, type SvgNode } from "./dom.js";

/** Something drawn at (0, 0) with a known size: a Plot chart, a line of text, a legend. */
export interface Part {
  width: number;
  height: number;
  node: SvgNode;
}

/** The size of axis labels and cell values: Plot's 10px is small at notebook width. */
export const fontSize = 12;

/** A generous estimate of a text's width in px (wide fonts such as DejaVu Sans): the lib has no fonts to measure with. */
export function textWidth(text: string, size = fontSize, weight: "normal" | "bold" = "normal"): number {
  return Math.ceil(text.length * size * (weight === "bold" ? 0.7 : 0.62));
}

export function textPart(text: string, options: { size?: number; weight?: "normal" | "bold" } = {}): Part {
  const { size = 13, weight = "normal" } = options;
  const node = svgElement("text", { y: Math.round(size * 1.1), "font-size": size, "font-weight": weight, fill: "currentColor" }, text);
  return { width: textWidth(text, size, weight), height: Math.ceil(size * 1.4), node };
}

/** Text broken at spaces into lines no wider than maxWidth (a single longer word keeps its own line). */
export function wrappedTextPart(text: string, maxWidth: number, options: { size?: number; weight?: "normal" | "bold" } = {}): Part {
  const { size = 13, weight = "normal" } = options;
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && textWidth(`${lines[last]} ${word}`, size, weight) <= maxWidth) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return column(lines.map((line) => textPart(line, { size, weight })), 0);
}

/** The title of one chart among several: wrapped to the chart's width (at least 160 px), so charts stay close together. */
export function panelTitle(title: string, width: number): Part {
  return wrappedTextPart(title, Math.max(width, 160), { size: 13, weight: "bold" });
}

function placed(part: Part, x: number, y: number): SvgNode {
  const g = svgElement("g", { transform: `translate(${x},${y})` });
  g.appendChild(part.node);
  return g;
}

function arrange(parts: (Part | undefined)[], gap: number, across: boolean): Part {
  const present = parts.filter((p): p is Part => p !== undefined);
  const node = svgElement("g");
  let offset = 0;
  for (const part of present) {
    node.appendChild(across ? placed(part, offset, 0) : placed(part, 0, offset));
    offset += (across ? part.width : part.height) + gap;
  }
  const along = Math.max(0, offset - gap);
  const size = Math.max(0, ...present.map((p) => (across ? p.height : p.width)));
  return across ? { width: along, height: size, node } : { width: size, height: along, node };
}

/** Parts side by side, tops aligned; undefined parts are skipped (e.g. a legend turned off). */
export function row(parts: (Part | undefined)[], gap = 28): Part {
  return arrange(parts, gap, true);
}

/** Parts one below the other, left aligned; undefined parts are skipped. */
export function column(parts: (Part | undefined)[], gap = 10): Part {
  return arrange(parts, gap, false);
}

/** A key of colored squares and their labels, wrapping onto a new line past maxWidth. */
export function swatches(items: readonly { label: string; color: string }[], maxWidth = 480): Part {
  const node = svgElement("g", { "font-size": fontSize, fill: "currentColor" });
  const lineHeight = 20;
  let x = 0;
  let y = 0;
  let width = 0;
  for (const { label, color } of items) {
    const itemWidth = 18 + textWidth(label);
    if (x > 0 && x + itemWidth > maxWidth) [x, y] = [0, y + lineHeight];
    node.appendChild(svgElement("rect", { x, y: y + 2, width: 12, height: 12, rx: 2, fill: color }));
    node.appendChild(svgElement("text", { x: x + 17, y: y + 12 }, label));
    width = Math.max(width, x + itemWidth);
    x += itemWidth + 14;
  }
  return { width, height: y + lineHeight, node };
}
