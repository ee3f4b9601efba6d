// A Figure: the markup a notebook displays, wrapped as one standalone SVG with a title and a white background.
import { svgElement, svgNamespace } from "./dom.js";
import { column, wrappedTextPart, type Part } from "./layout.js";
import { roundNodeNumbers } from "./precision.js";

/** What show() displays: SVG wherever possible, since GitHub, VS Code and Jupyter all render it. */
export interface Figure {
  mime: "image/svg+xml" | "text/html";
  markup: string;
}

const padding = 16;
/** A title wraps to the width of what it is the title of, but never narrower than this. */
const narrowestTitle = 360;

export function toFigure(content: Part, options: { title?: string } = {}): Figure {
  const { title } = options;
  // A long title wraps, so that the figure is as wide as its content, not as its title.
  const titlePart = title === undefined ? undefined : wrappedTextPart(title, Math.max(content.width, narrowestTitle), { size: 15, weight: "bold" });
  const body = column([titlePart, content], 12);
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
  roundNodeNumbers(svg);
  return { mime: "image/svg+xml", markup: svg.outerHTML };
}
