// Checks a printed attention diagram against what its own formula allows: how to tell that numbers cannot be right.
import { Matrix, checkMatrix, shapeText } from "./matrix.js";
import { maxAbsDifference, rowSums, transpose } from "./ops.js";
import { softmaxRows } from "./softmax.js";
import { largestMinor, singularValues } from "./linalg.js";
import { selfAttention, sameAsInputWeights, type AttentionSteps } from "./attention.js";
import { diagram as theDiagram, type Diagram } from "./diagram.js";

export interface Difference {
  value: number;
  row: number;
  col: number;
}

export interface ScoresCheck {
  /** Q K^T with Q = K is symmetric; so is the printed matrix. */
  symmetric: boolean;
  /** Where the printed scores differ most from the formula's. */
  difference: Difference;
  /** How many printed cells equal the formula's value once rounded to the printed decimals. */
  matchingCells: number;
  singularValues: number[];
  /** The 4x4 minor with the largest |determinant|: far from 0 means rank 4 or more. */
  largestMinor4: { determinant: number; rows: number[]; cols: number[] };
  /** How far rounding to the printed decimals can move any singular value (Weyl: at most the Frobenius norm of the rounding). */
  roundingBound: number;
  /** Rank > inner dimension is impossible for Q K^T: true proves the printed scores cannot come from it. */
  rankExceedsInnerDimension: boolean;
}

/** Printed scores against computed Q K^T, whose inner dimension (the width of Q and K) bounds its rank. */
export function checkPrintedScores(printed: Matrix, computed: Matrix, innerDimension: number, decimals = 4): ScoresCheck {
  [printed, computed].forEach((m, i) => checkMatrix("checkPrintedScores", ["printed", "computed"][i], m));
  const halfUlp = 0.5 * 10 ** -decimals;
  const sigma = singularValues(printed);
  const roundingBound = Math.sqrt(printed.rows * printed.cols) * halfUlp;
  let matchingCells = 0;
  for (let k = 0; k < printed.data.length; k++) {
    if (Math.abs(printed.data[k] - computed.data[k]) <= halfUlp) matchingCells++;
  }
  return {
    symmetric: printed.rows === printed.cols && maxAbsDifference(printed, transpose(printed)).value === 0,
    difference: maxAbsDifference(printed, computed),
    matchingCells,
    singularValues: sigma,
    largestMinor4: largestMinor(printed, Math.min(4, printed.rows, printed.cols)),
    roundingBound,
    rankExceedsInnerDimension: innerDimension < sigma.length && sigma[innerDimension] > roundingBound,
  };
}

export interface WeightsCheck {
  rowSums: number[];
  /** Printed weights against softmax of the printed scores. */
  fromPrintedScores: Difference;
  /** Printed weights against softmax of the formula's scores. */
  fromComputedScores: Difference;
}

export function checkPrintedWeights(printedWeights: Matrix, printedScores: Matrix, computedScores: Matrix): WeightsCheck {
  [printedWeights, printedScores, computedScores].forEach((m, i) => checkMatrix("checkPrintedWeights", ["printedWeights", "printedScores", "computedScores"][i], m, { masked: i > 0 }));
  return {
    rowSums: Array.from(rowSums(printedWeights).data),
    fromPrintedScores: maxAbsDifference(printedWeights, softmaxRows(printedScores)),
    fromComputedScores: maxAbsDifference(printedWeights, softmaxRows(computedScores)),
  };
}

export interface OutsideRange {
  row: number;
  col: number;
  value: number;
  min: number;
  max: number;
  /** How far outside [min, max] the value lies. */
  excess: number;
}

export interface OutputCheck {
  columnMin: number[];
  columnMax: number[];
  /** Every printed value that no weighted average of V's rows can reach. */
  outside: OutsideRange[];
}

/** An output row is sum_j w_j V_j with w_j >= 0 and sum 1, so each value stays within its column of V. */
export function checkPrintedOutput(printedOutput: Matrix, v: Matrix): OutputCheck {
  [printedOutput, v].forEach((m, i) => checkMatrix("checkPrintedOutput", ["printedOutput", "V"][i], m));
  if (printedOutput.cols !== v.cols) {
    throw new RangeError(`checkPrintedOutput: output is ${shapeText(printedOutput)} but V is ${shapeText(v)}: column counts differ`);
  }
  const columnMin = Array.from({ length: v.cols }, (_, j) => v.column(j).reduce((a, b) => Math.min(a, b)));
  const columnMax = Array.from({ length: v.cols }, (_, j) => v.column(j).reduce((a, b) => Math.max(a, b)));
  const outside: OutsideRange[] = [];
  for (let i = 0; i < printedOutput.rows; i++) {
    for (let j = 0; j < printedOutput.cols; j++) {
      const value = printedOutput.get(i, j);
      const excess = Math.max(columnMin[j] - value, value - columnMax[j]);
      if (excess > 0) outside.push({ row: i, col: j, value, min: columnMin[j], max: columnMax[j], excess });
    }
  }
  return { columnMin, columnMax, outside };
}

export interface DiagramCheck {
  computed: AttentionSteps;
  scores: ScoresCheck;
  weights: WeightsCheck;
  output: OutputCheck;
}

/** All three checks of the diagram, against the formula with the diagram's own inputs (Q = K = V = X). */
export function checkDiagram(d: Diagram = theDiagram): DiagramCheck {
  const computed = selfAttention(d.x, sameAsInputWeights(d.x.cols));
  return {
    computed,
    scores: checkPrintedScores(d.printed.scores, computed.scores, computed.k.cols),
    weights: checkPrintedWeights(d.printed.weights, d.printed.scores, computed.scores),
    output: checkPrintedOutput(d.printed.output, computed.v),
  };
}
