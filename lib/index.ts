// The public surface of the lib: everything a notebook imports from "thelittlebaby".
export { Matrix, assertFinite, resultDtype, shapeText, type DType, type MatrixData } from "./matrix.js";
export { formatMatrix, type FormatOptions } from "./format.js";
export { checkOptions, requireOptions, type OptionKind, type OptionSpec } from "./options.js";
export { matmul, matmulReference, checkMatmulInputs, type MatmulKernel, type MatmulOptions } from "./matmul.js";
// The fast kernels under matmul, and attention built from them (lib/kernels/).
export { attention, type FusedAttentionOptions, type FusedAttentionResult } from "./kernels/attention.js";
export { wasmKernels, type WasmStatus } from "./kernels/wasm.js";
export { transpose, map, add, subtract, scale, rowSums, sliceColumns, concatColumns, maxAbsDifference } from "./ops.js";
export { softmaxRows } from "./softmax.js";
export {
  selfAttention,
  attendTo,
  project,
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
  describeOutside,
  type CauchySchwarzBreak,
  type DiagramCheck,
  type ScoresCheck,
  type WeightsCheck,
  type OutputCheck,
  type Difference,
  type OutsideRange,
} from "./diagramCheck.js";
// Beyond the diagram: seeded weights that match PyTorch, linear layers, masks, dropout, multi-head attention, batches.
export { Generator, defaultGenerator, manualSeed, rand, uniform, DEFAULT_SEED, type RandomOptions } from "./random.js";
export { linearLayer, linearForward, affine, asProjection, type LinearLayer, type LinearOptions } from "./linear.js";
export { dropout, dropoutMask, dropoutWithMask, type DropoutOptions } from "./dropout.js";
export { causalMask, applyMask } from "./mask.js";
export { randomProjections, linearProjections, projectionsFromLayers } from "./projections.js";
export {
  multiHeadAttention,
  multiHeadWeights,
  type MultiHeadWeights,
  type MultiHeadOptions,
  type MultiHeadSteps,
} from "./multihead.js";
export { checkBatch, mapBatch, selfAttentionBatch, multiHeadAttentionBatch } from "./batch.js";
export {
  show,
  heatmap,
  heatmaps,
  bars,
  compareBars,
  contributions,
  compareHeatmaps,
  differenceHeatmap,
  lineChart,
  pipelineDiagram,
  type Figure,
  type HeatmapOptions,
  type BarsOptions,
  type CompareBarsOptions,
  type ContributionsOptions,
  type CompareOptions,
  type LineChartOptions,
  type LineSeries,
} from "./plot/index.js";
export { liveOutput, type LiveOutput } from "./plot/index.js";
