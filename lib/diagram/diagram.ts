// The document's diagram, its numbers exactly as printed (data/document.json), as typed matrices.
import { Matrix } from "../core/matrix.js";
import { readDataText } from "../core/data.js";

interface DocumentJson {
  tokens: string[];
  x: number[][];
  kT: number[][];
  printed: { scores: number[][]; weights: number[][]; output: number[][] };
}

export interface Diagram {
  /** Your, journey, starts, with, one, step. */
  tokens: readonly string[];
  /** The input embeddings, 6x3: exact. */
  x: Matrix;
  /** X transposed, 3x6, as printed: exact. */
  kT: Matrix;
  /** What the diagram prints for scores, weights and output: illustrations, not the formula's results. */
  printed: { scores: Matrix; weights: Matrix; output: Matrix };
}

/** A fresh copy of the diagram's numbers, for a notebook that wants to change them freely. */
export function loadDiagram(): Diagram {
  const json = JSON.parse(readDataText("document.json")) as DocumentJson;
  return {
    tokens: Object.freeze([...json.tokens]),
    x: Matrix.from(json.x),
    kT: Matrix.from(json.kT),
    printed: {
      scores: Matrix.from(json.printed.scores),
      weights: Matrix.from(json.printed.weights),
      output: Matrix.from(json.printed.output),
    },
  };
}

/** The diagram: tokens, X, K^T and what it prints for scores, weights and output. */
export const diagram: Diagram = loadDiagram();
