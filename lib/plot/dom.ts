// A DOM for Plot in Node: one linkedom document, whose canvases are PngCanvas, and no globals touched.
import { parseHTML } from "linkedom";
import { PngCanvas } from "./canvas.js";

export const svgNamespace = "http://www.w3.org/2000/svg";

/** The few DOM members the plots use, typed here because the lib compiles without the DOM library. */
export interface SvgNode {
  readonly nodeName: string;
  readonly attributes: ArrayLike<{ name: string; value: string }>;
  readonly childNodes: ArrayLike<SvgNode>;
  readonly outerHTML: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  appendChild(child: SvgNode): SvgNode;
}

function createDocument() {
  const { document } = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>");
  const createElement = document.createElement.bind(document);
  // Plot paints continuous color legends on a canvas, which linkedom lacks.
  document.createElement = (name: string, options?: unknown) =>
    name.toLowerCase() === "canvas" ? new PngCanvas() : createElement(name, options);
  return document;
}

let shared: ReturnType<typeof createDocument> | undefined;

/** The document every plot is drawn into (pass it to Plot as `document`). */
export function plotDocument(): ReturnType<typeof createDocument> {
  return (shared ??= createDocument());
}

/** <name attr=value ...> in the SVG namespace, with optional text content. */
export function svgElement(name: string, attributes: Record<string, string | number> = {}, text?: string): SvgNode {
  const node = plotDocument().createElementNS(svgNamespace, name) as SvgNode;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}
