// Plot, drawn into the lib's document, as layout parts.
import * as Plot from "@observablehq/plot";
import { plotDocument, svgElement, type SvgNode } from "./dom.js";
import { fontSize, type Part } from "./layout.js";

// Plot's stylesheet only sizes the <svg> in HTML (height: auto, max-width); inside a <g> it has nothing to do.
const dropped = new Set(["width", "height", "viewBox", "class", "style", "xmlns"]);

/** A Plot <svg> as a <g> of the same size that keeps its drawing attributes (fonts, fill, text-anchor). */
function fromPlotSvg(svg: SvgNode, op: string): Part {
  if (svg.nodeName.toLowerCase() !== "svg") {
    throw new Error(`${op}: Plot returned a <${svg.nodeName.toLowerCase()}>, expected a bare <svg>`);
  }
  const g = svgElement("g");
  for (const { name, value } of Array.from(svg.attributes)) if (!dropped.has(name)) g.setAttribute(name, value);
  g.setAttribute("font-size", String(fontSize));
  for (const child of Array.from(svg.childNodes)) if (child.nodeName.toLowerCase() !== "style") g.appendChild(child);
  return { width: Number(svg.getAttribute("width")), height: Number(svg.getAttribute("height")), node: g };
}

/** Plot.plot with the lib's document; options must not ask for a title or legend (those would make a <figure>). */
export function plotPart(options: Plot.PlotOptions): Part {
  return fromPlotSvg(Plot.plot({ ...options, document: plotDocument() }) as unknown as SvgNode, "plotPart");
}

/**
 * The number of y ticks Plot's axis draws (one per 35 px), to pass as `nice`: Plot's `nice: true` rounds the domain
 * for 10 ticks, and the axis, drawing fewer, can then leave the largest value above its last tick.
 */
export function yTickCount(height: number, marginTop: number, marginBottom: number): number {
  return (height - marginTop - marginBottom) / 35;
}

/** Plot's continuous color legend (a ramp, painted through PngCanvas) for the given color scale. */
export function colorLegendPart(
  color: Plot.ScaleOptions,
  options: { width?: number; marginLeft?: number; label?: string } = {},
): Part {
  const { width = 240, marginLeft = 0, label } = options;
  // Plot's legend typings omit `document`, which it reads like Plot.plot does.
  const legend = Plot.legend({
    document: plotDocument(),
    color: { ...color, label },
    width: marginLeft + width,
    ticks: Math.max(4, Math.round(width / 60)),
    marginLeft,
    marginRight: 0,
    ...(label === undefined ? { marginTop: 6, height: 40 } : {}),
  } as Parameters<typeof Plot.legend>[0]);
  return fromPlotSvg(legend as unknown as SvgNode, "colorLegendPart");
}

/** A function from values to CSS colors for the same scale options a plot uses. */
export function colorOf(color: Plot.ScaleOptions): (value: unknown) => string {
  const scale = Plot.scale({ color });
  return (value) => String(scale.apply(value));
}
