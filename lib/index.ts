// The public surface of the lib: everything a notebook imports from "thelittlebaby".
export { Matrix, assertFinite, resultDtype, shapeText, type DType, type MatrixData } from "./core/matrix.js";
export { formatMatrix, type FormatOptions } from "./core/format.js";
export { checkOptions, requireOptions, type OptionKind, type OptionSpec } from "./core/options.js";
export { matmul, matmulReference, checkMatmulInputs, type MatmulKernel, type MatmulOptions } from "./core/matmul.js";
// The fast kernels under matmul, and attention built from them (lib/kernels/).
export { attention, type FusedAttentionOptions, type FusedAttentionResult } from "./kernels/attention.js";
export { fusedMultiplyAdd, useFusedMultiplyAdd, wasmKernels, wideKernel, type WasmStatus } from "./kernels/wasm.js";
export { setThreads, threads } from "./kernels/threads.js";
export { transpose, map, add, subtract, scale, rowSums, sliceColumns, concatColumns, maxAbsDifference } from "./core/ops.js";
export { softmaxRows } from "./core/softmax.js";
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
} from "./attention/attention.js";
export { determinant, largestMinor, singularValues, symmetricEigenvalues, symmetricEigen, submatrix } from "./core/linalg.js";
export { diagram, loadDiagram, type Diagram } from "./diagram/diagram.js";
export { dataPath, readDataText } from "./core/data.js";
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
} from "./diagram/check.js";
// Beyond the diagram: seeded weights that match PyTorch, linear layers, masks, dropout, multi-head attention, batches.
export { Generator, defaultGenerator, manualSeed, rand, uniform, DEFAULT_SEED, type RandomOptions, type GeneratorState } from "./core/random.js";
export { linearLayer, linearForward, affine, asProjection, type LinearLayer, type LinearOptions } from "./attention/linear.js";
export { dropout, dropoutMask, dropoutWithMask, type DropoutOptions } from "./attention/dropout.js";
export { causalMask, applyMask } from "./attention/mask.js";
export { randomProjections, linearProjections, projectionsFromLayers } from "./attention/projections.js";
export {
  multiHeadAttention,
  multiHeadWeights,
  type MultiHeadWeights,
  type MultiHeadOptions,
  type MultiHeadSteps,
} from "./attention/multihead.js";
export { checkBatch, mapBatch, selfAttentionBatch, multiHeadAttentionBatch } from "./attention/batch.js";
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
// The GPT (lib/gpt/): config, parameters under nanoGPT's names, the model with every gradient by hand, and its optimiser.
export { normalFill, randn, type NormalOptions } from "./core/random.js";
export { gemm, type GemmOptions } from "./kernels/gemm.js";
export { gptConfig, GPT_DEFAULTS, type Attention, type GPTConfig, type Network, type Norm } from "./gpt/config.js";
export { parameterShapes, type Parameter } from "./gpt/parameters.js";
export { GPT, type ForwardOptions, type ForwardResult } from "./gpt/model.js";
export { AdamW, type AdamWOptions, type AdamWState, type AdamWStateDict } from "./gpt/training/adamw.js";
export { learningRate, clipGradNorm, type LearningRateSchedule } from "./gpt/training/schedule.js";
// The GPT step by step, as matrices: one layer at a time, one block, one whole forward pass kept for pictures.
export {
  layerNorm,
  layerNormBackward,
  gelu,
  geluBackward,
  crossEntropy,
  crossEntropyBackward,
  type LayerNormWeights,
} from "./gpt/matrixLayers.js";
export { blockSteps, forwardSteps, parameterMatrix, type BlockSteps, type ForwardSteps } from "./gpt/steps.js";
// The GPT's input and output: safetensors files, the character tokenizer, the dataset, training, generation, checkpoints.
export {
  encodeSafetensors,
  decodeSafetensors,
  readSafetensors,
  writeSafetensors,
  type Tensor,
  type TensorDType,
  type StoredTensor,
  type Safetensors,
} from "./io/safetensors.js";
export { CharTokenizer } from "./gpt/training/tokenizer.js";
export { TextDataset, estimateLoss, type Batch, type Split, type DatasetOptions, type EstimateLossOptions, type LossModel } from "./gpt/training/dataset.js";
export { splitLoss, type SplitLossOptions } from "./gpt/training/splitLoss.js";
export {
  generate,
  generateTokens,
  sampleToken,
  nextTokenProbabilities,
  type SampleOptions,
  type GenerateOptions,
  type NextTokenLogits,
  type LogitsModel,
  type GenerateTextOptions,
} from "./gpt/generate.js";
export { KVCache, cachedAttentionForward, keepKeysValues } from "./gpt/kvCache.js";
export { train, trainSettings, type TrainOptions, type TrainSettings, type TrainProgress, type TrainResult } from "./gpt/training/train.js";
export { saveTrainState, readTrainState, trainStatePath, weightsFingerprint, type TrainState } from "./gpt/training/trainState.js";
export {
  fineTune,
  prepareFineTune,
  extendVocabulary,
  type FineTuneDataOptions,
  type FineTuneSetup,
  type FineTuneSource,
  type UnknownChars,
} from "./gpt/training/fineTune.js";
export { progressLine, formatDuration, lossCurves, liveTrainingProgress, type LiveDisplay } from "./gpt/training/progress.js";
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpoint,
  type Checkpoint,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
} from "./gpt/checkpoint.js";
// Looking inside a trained GPT, and the plots for it.
export { attentionMaps, nextTokenLogits, tokenEmbeddings, characterLabel } from "./gpt/inspect.js";
export { principalComponents, type PrincipalComponents } from "./core/pca.js";
export {
  headGrid,
  scatter,
  textPanels,
  type HeadGridOptions,
  type ScatterOptions,
  type ScatterPoint,
  type TextPanel,
  type TextPanelsOptions,
} from "./plot/index.js";
