// Checks a printed attention diagram against what its own formula allows: how to tell that numbers cannot be right.
import { Matrix, checkMatrix, shapeText } from "../core/matrix.js";
import { checkSameShape, maxAbsDifference, rowSums, transpose } from "../core/ops.js";
import { describe, requireOptions, type OptionKind } from "../core/options.js";
import { softmaxRows } from "../core/softmax.js";
import { singularValues, symmetricEigenvalues } from "../core/linalg.js";
import { selfAttention, sameAsInputWeights, type AttentionSteps } from "../attention/attention.js";
import { diagram as theDiagram, type Diagram } from "./diagram.js";

export interface Difference {
  value: number;
  row: number;
  col: number;
}

/** A pair (i, j) whose score breaks Cauchy-Schwarz: |s_ij| > sqrt(s_ii s_jj), impossible for dot products q_i . q_j. */
export interface CauchySchwarzBreak {
  row: number;
  col: number;
  score: number;
  /** sqrt(s_ii s_jj): the largest |q_i . q_j| can be, given the lengths |q_i|^2 = s_ii and |q_j|^2 = s_jj. */
  bound: number;
}

export interface ScoresCheck {
  /** Q K^T with Q = K is symmetric; so is the printed matrix. */
  symmetric: boolean;
  /** Where the printed scores differ most from the formula's. */
  difference: Difference;
  /** How many printed cells equal the formula's value once rounded to the printed decimals. */
  matchingCells: number;
  singularValues: number[];
  /** How far rounding to the printed decimals can move any singular value or eigenvalue (Weyl: at most the Frobenius norm of the rounding). */
  roundingBound: number;
  /** How many singular values lie above roundingBound: the unrounded matrix has at least this rank. */
  rankAtLeast: number;
  /**
   * The highest rank any Q K^T of this X can have: Q = X W_Q + b_Q has rank at most d_in + 1 (d_in without a bias),
   * and so has Q K^T, whatever the weights and biases.
   */
  rankBound: number;
  /** rankAtLeast > rankBound: no projections of this X, with or without biases, give these scores. */
  rankTooHigh: boolean;
  /** Eigenvalues, largest first (of a symmetric table). With Q = K the scores are a Gram matrix Q Q^T: none may be negative. */
  eigenvalues: number[];
  /** The eigenvalues below -roundingBound: each proves the table is no Q Q^T, with or without a bias. */
  negativeEigenvalues: number[];
  /** The pairs (i < j) that break Cauchy-Schwarz, beyond what rounding can explain. */
  cauchySchwarz: CauchySchwarzBreak[];
}

/**
 * Printed scores against the computed Q K^T of an input with `inputWidth` columns (d_in): symmetry, rank, and, for
 * Q = K, the two properties of every Gram matrix (Cauchy-Schwarz and no negative eigenvalue), allowing for rounding.
 */
export function checkPrintedScores(printed: Matrix, computed: Matrix, inputWidth: number, decimals = 4): ScoresCheck {
  const fn = "checkPrintedScores";
  [printed, computed].forEach((m, i) => checkMatrix(fn, ["printed", "computed"][i], m));
  checkSameShape(fn, printed, computed);
  if (typeof inputWidth !== "number" || !Number.isSafeInteger(inputWidth) || inputWidth < 1) {
    throw new RangeError(`${fn}: inputWidth (the columns of X, d_in) must be an integer >= 1, got ${describe(inputWidth)}`);
  }
  if (typeof decimals !== "number" || !Number.isSafeInteger(decimals) || decimals < 0 || decimals > 15) {
    throw new RangeError(`${fn}: decimals (the digits printed after the point) must be an integer in [0, 15], got ${describe(decimals)}`);
  }
  const halfUlp = 0.5 * 10 ** -decimals;
  const sigma = singularValues(printed);
  const roundingBound = Math.sqrt(printed.rows * printed.cols) * halfUlp;
  let matchingCells = 0;
  for (let k = 0; k < printed.data.length; k++) {
    if (Math.abs(printed.data[k] - computed.data[k]) <= halfUlp) matchingCells++;
  }
  const symmetric = printed.rows === printed.cols && maxAbsDifference(printed, transpose(printed)).value === 0;
  const eigenvalues = symmetric ? symmetricEigenvalues(printed) : [];
  const cauchySchwarz: CauchySchwarzBreak[] = [];
  if (symmetric) {
    for (let i = 0; i < printed.rows; i++) {
      for (let j = i + 1; j < printed.cols; j++) {
        const score = printed.get(i, j);
        const bound = Math.sqrt(printed.get(i, i) * printed.get(j, j));
        // Rounding may have lowered the diagonal and raised the score by halfUlp each: only a larger gap counts.
        const roundedBound = Math.sqrt((printed.get(i, i) + halfUlp) * (printed.get(j, j) + halfUlp)) + halfUlp;
        if (Math.abs(score) > roundedBound) cauchySchwarz.push({ row: i, col: j, score, bound });
      }
    }
  }
  const rankAtLeast = sigma.filter((s) => s > roundingBound).length;
  const rankBound = inputWidth + 1;
  return {
    symmetric,
    difference: maxAbsDifference(printed, computed),
    matchingCells,
    singularValues: sigma,
    roundingBound,
    rankAtLeast,
    rankBound,
    rankTooHigh: rankAtLeast > rankBound,
    eigenvalues,
    negativeEigenvalues: eigenvalues.filter((e) => e < -roundingBound),
    cauchySchwarz,
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
  const fn = "checkPrintedWeights";
  [printedWeights, printedScores, computedScores].forEach((m, i) => checkMatrix(fn, ["printedWeights", "printedScores", "computedScores"][i], m, { masked: i > 0 }));
  checkSameShape(fn, printedWeights, printedScores);
  checkSameShape(fn, printedWeights, computedScores);
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
  /** Which end it passes: above max or below min. */
  side: "above" | "below";
}

/** "7.3395 is above the largest possible 0.87 by 6.4695", or "below the smallest possible ...". */
export function describeOutside(o: OutsideRange): string {
  const example = "an entry of checkPrintedOutput's outside list";
  const field = (kind: OptionKind) => ({ kind, required: true });
  requireOptions("describeOutside", o, { row: field("integer"), col: field("integer"), value: field("finite"), min: field("finite"), max: field("finite"), excess: field("finite"), side: field(["above", "below"]) }, example, { what: "field" });
  const limit = o.side === "above" ? `the largest possible ${o.max}` : `the smallest possible ${o.min}`;
  return `${o.value} is ${o.side} ${limit} by ${o.excess.toFixed(4)}`;
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
      const [below, above] = [columnMin[j] - value, value - columnMax[j]];
      const excess = Math.max(below, above);
      const side = above > 0 ? "above" : "below";
      if (excess > 0) outside.push({ row: i, col: j, value, min: columnMin[j], max: columnMax[j], excess, side });
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
  const fn = "checkDiagram";
  if (d === null || typeof d !== "object" || d.printed === null || typeof d.printed !== "object") {
    throw new TypeError(`${fn}: expected a Diagram like diagram or loadDiagram(), with x and printed { scores, weights, output }, got ${describe(d)}`);
  }
  checkMatrix(fn, "x", d.x);
  for (const name of ["scores", "weights", "output"] as const) checkMatrix(fn, `printed.${name}`, d.printed[name], { masked: name === "scores" });
  const computed = selfAttention(d.x, sameAsInputWeights(d.x.cols));
  return {
    computed,
    scores: checkPrintedScores(d.printed.scores, computed.scores, d.x.cols),
    weights: checkPrintedWeights(d.printed.weights, d.printed.scores, computed.scores),
    output: checkPrintedOutput(d.printed.output, computed.v),
  };
}
