// A Figure: the markup a notebook displays, wrapped as one standalone SVG with a title and a white background.
import { svgElement, svgNamespace } from "./dom.js";
import { column, textPart, type Part } from "./layout.js";

/** What show() displays: SVG wherever possible, since GitHub, VS Code and Jupyter all render it. */
export interface Figure {
  mime: "image/svg+xml" | "text/html";
  markup: string;
}

const padding = 16;

export function toFigure(content: Part, options: { title?: string } = {}): Figure {
  const { title } = options;
  const body = column([title === undefined ? undefined : textPart(title, { size: 15, weight: "bold" }), content], 12);
  const width = body.width + 2 * padding;
  const height = body.height + 2 * padding;
  const svg = svgElement("svg", {
    xmlns: svgNamespace,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "font-family": "system-ui, sans-serif",
    // A fixed dark text color on a white card, so dark editor themes do not turn the text invisible.
    color: "#1f2328",
  });
  svg.appendChild(svgElement("rect", { width, height, fill: "white" }));
  const g = svgElement("g", { transform: `translate(${padding},${padding})` });
  g.appendChild(body.node);
  svg.appendChild(g);
  return { mime: "image/svg+xml", markup: svg.outerHTML };
}
