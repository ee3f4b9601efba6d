// The public surface of the lib: everything a notebook imports from "thelittlebaby".
export { Matrix, assertFinite, shapeText, type DType, type MatrixData } from "./matrix.js";
export { formatMatrix, type FormatOptions } from "./format.js";
export { matmul, matmulReference } from "./matmul.js";
export { transpose, map, add, subtract, scale, rowSums, sliceColumns, concatColumns, maxAbsDifference } from "./ops.js";
export { softmaxRows } from "./softmax.js";
export {
  selfAttention,
  attendTo,
  sameAsInputWeights,
  fuseProjections,
  fusedProjection,
  type ProjectionWeights,
  type AttentionOptions,
  type AttentionSteps,
} from "./attention.js";
export { determinant, largestMinor, singularValues, symmetricEigenvalues, submatrix } from "./linalg.js";
export { diagram, loadDiagram, type Diagram } from "./diagram.js";
export { dataPath, readDataText } from "./data.js";
export {
  checkDiagram,
  checkPrintedScores,
  checkPrintedWeights,
  checkPrintedOutput,
  type DiagramCheck,
  type ScoresCheck,
  type WeightsCheck,
  type OutputCheck,
  type Difference,
  type OutsideRange,
} from "./diagramCheck.js";
