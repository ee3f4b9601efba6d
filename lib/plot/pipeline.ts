// The diagram the series follows, redrawn: the steps of self-attention from a sentence to its output, box by box.
import type { OptionSpec } from "../core/options.js";
import { checkPlotOptions } from "./checks.js";
import { svgElement, type SvgNode } from "./dom.js";
import { toFigure, type Figure } from "./figure.js";
import type { Part } from "./layout.js";

interface Step {
  name: string;
  detail: readonly string[];
  notebook: number;
}

/** The boxes of "TheLittleBaby (GPT Architecture)", in order, with the notebook that computes each. */
export const pipelineSteps: readonly Step[] = [
  { name: "Text", detail: ["“Your journey starts", "with one step”"], notebook: 1 },
  { name: "Tokens", detail: ["Your, journey, starts,", "with, one, step"], notebook: 1 },
  { name: "X", detail: ["embeddings, 6x3", "one row per token"], notebook: 1 },
  { name: "W_Q, W_K, W_V", detail: ["3x3 each; the diagram:", "“same as input”"], notebook: 2 },
  { name: "Q, K, V", detail: ["Q = X W_Q, ...", "6x3 each"], notebook: 2 },
  { name: "K^T", detail: ["K transposed", "3x6"], notebook: 3 },
  { name: "Scores", detail: ["Q K^T, 6x6", "query . key"], notebook: 3 },
  { name: "Softmax", detail: ["per row:", "e^s / sum of e^s"], notebook: 4 },
  { name: "Weights", detail: ["6x6, each row", "sums to 1"], notebook: 4 },
  { name: "Output", detail: ["weights V, 6x3", "a mix of V's rows"], notebook: 5 },
];

// One light fill per notebook, so the boxes a notebook covers read as a group.
const fills = ["#dbeafe", "#dcfce7", "#fef9c3", "#fde2e4", "#ede9fe"];
const box = { width: 156, height: 78, gap: 34, rowGap: 46 };
const perRow = 5;

function text(x: number, y: number, content: string, attributes: Record<string, string | number> = {}): SvgNode {
  return svgElement("text", { x, y, "text-anchor": "middle", ...attributes }, content);
}

function arrow(points: readonly [number, number][]): SvgNode {
  const g = svgElement("g", { stroke: "#57606a", fill: "#57606a" });
  g.appendChild(svgElement("polyline", { points: points.map((p) => p.join(",")).join(" "), fill: "none", "stroke-width": 1.6 }));
  // The head points along the last segment, which is horizontal or vertical.
  const [[x0, y0], [x, y]] = points.slice(-2);
  const [dx, dy] = [Math.sign(x - x0), Math.sign(y - y0)];
  const head = [[x, y], [x - 8 * dx - 4 * dy, y - 8 * dy - 4 * dx], [x - 8 * dx + 4 * dy, y - 8 * dy + 4 * dx]];
  g.appendChild(svgElement("polygon", { points: head.map((p) => p.join(",")).join(" "), stroke: "none" }));
  return g;
}

/**
 * pipelineDiagram(): the diagram's pipeline from the sentence to the output, as one SVG, each box colored and
 * labelled by the notebook that computes it.
 */
export function pipelineDiagram(options: { title?: string } = {}): Figure {
  const checked = checkPlotOptions("pipelineDiagram", options, { title: "string" });
  const node = svgElement("g", { "font-size": 12, fill: "currentColor" });
  const at = (k: number): [number, number] => [(k % perRow) * (box.width + box.gap), Math.floor(k / perRow) * (box.height + box.rowGap)];
  pipelineSteps.forEach((step, k) => {
    const [x, y] = at(k);
    node.appendChild(svgElement("rect", { x, y, width: box.width, height: box.height, rx: 8, fill: fills[step.notebook - 1], stroke: "#8c959f" }));
    node.appendChild(text(x + box.width / 2, y + 20, step.name, { "font-size": 14, "font-weight": "bold" }));
    step.detail.forEach((line, i) => node.appendChild(text(x + box.width / 2, y + 38 + 14 * i, line)));
    node.appendChild(text(x + box.width - 8, y + box.height - 5, `notebook ${step.notebook}`, { "text-anchor": "end", "font-size": 10, fill: "#57606a" }));
    if (k === 0) return;
    const [px, py] = at(k - 1);
    if (py === y) {
      node.appendChild(arrow([[px + box.width, y + box.height / 2], [x, y + box.height / 2]]));
    } else {
      // From the end of one row back to the start of the next.
      const midY = py + box.height + box.rowGap / 2;
      node.appendChild(arrow([[px + box.width / 2, py + box.height], [px + box.width / 2, midY], [x + box.width / 2, midY], [x + box.width / 2, y]]));
    }
  });
  const rows = Math.ceil(pipelineSteps.length / perRow);
  const part: Part = { width: perRow * box.width + (perRow - 1) * box.gap, height: rows * box.height + (rows - 1) * box.rowGap, node };
  return toFigure(part, { title: checked.title });
}
