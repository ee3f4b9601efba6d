// The lib under bad input, class by class: each table holds calls a learner may make, and the exact error they get.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import * as lib from "../lib/index.js";
import * as attentionModule from "../lib/attention/attention.js";
import * as batchModule from "../lib/attention/batch.js";
import * as dataModule from "../lib/core/data.js";
import * as dropoutModule from "../lib/attention/dropout.js";
import * as formatModule from "../lib/core/format.js";
import * as fusedModule from "../lib/kernels/attention.js";
import * as linalgModule from "../lib/core/linalg.js";
import * as linearModule from "../lib/attention/linear.js";
import * as maskModule from "../lib/attention/mask.js";
import * as matmulModule from "../lib/core/matmul.js";
import * as matrixModule from "../lib/core/matrix.js";
import * as multiheadModule from "../lib/attention/multihead.js";
import * as opsModule from "../lib/core/ops.js";
import * as projectionsModule from "../lib/attention/projections.js";
import * as randomModule from "../lib/core/random.js";
import * as softmaxModule from "../lib/core/softmax.js";
import {
  Generator,
  Matrix,
  add,
  checkDiagram,
  checkPrintedScores,
  checkPrintedWeights,
  differenceHeatmap,
  heatmap,
  resultDtype,
  affine,
  applyMask,
  attendTo,
  attention,
  causalMask,
  concatColumns,
  dataPath,
  determinant,
  diagram,
  dropout,
  dropoutMask,
  dropoutWithMask,
  formatMatrix,
  fuseProjections,
  fusedProjection,
  largestMinor,
  linearForward,
  linearLayer,
  linearProjections,
  manualSeed,
  map,
  matmul,
  matmulReference,
  maxAbsDifference,
  multiHeadAttention,
  multiHeadAttentionBatch,
  multiHeadWeights,
  rand,
  randomProjections,
  readDataText,
  rowSums,
  sameAsInputWeights,
  scale,
  selfAttention,
  selfAttentionBatch,
  singularValues,
  sliceColumns,
  softmaxRows,
  subtract,
  symmetricEigenvalues,
  transpose,
  uniform,
} from "../lib/index.js";

/** Runs f and returns the message it throws; fails when f returns. */
function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error, but the call returned");
}

type Case = [string, () => unknown, string];

function table(cases: Case[]): void {
  it.each(cases)("%s", (_, call, message) => expect(messageOf(call)).toBe(message));
}

const row = (v: number, dtype: "float64" | "float32" = "float64") => Matrix.from([[v, v]], { dtype });
const column = (v: number, dtype: "float64" | "float32" = "float64") => Matrix.from([[v], [v]], { dtype });
const x = diagram.x;
const same = sameAsInputWeights(3);
/** A copy of m with NaN written straight into its data: the only way left to get one in. */
const withNaN = (m: Matrix) => {
  const copy = m.clone();
  copy.data[0] = NaN;
  return copy;
};
const overflow = (op: string, what: string, dtype: string, value: string, shape: string) =>
  `${op}: ${what} overflows ${dtype}: ${value} at [0][0] of the ${shape} result; the inputs are too large`;

describe("no public function returns a non-finite number: an overflow names the function and what overflowed", () => {
  const bigLayer = { weight: Matrix.from([[1e200]]), bias: null };
  const heads = multiHeadWeights(2, 2, { generator: new Generator(1) });
  table([
    ["matmul (reference kernel)", () => matmul(row(1e200), column(1e200), { kernel: "reference" }), overflow("matmul", "the product", "float64", "Infinity", "1x1")],
    ["matmul (packed kernel)", () => matmul(row(1e200), column(1e200), { kernel: "packed" }), overflow("matmul", "the product", "float64", "Infinity", "1x1")],
    ["matmul float32 (packed kernel)", () => matmul(row(1e20, "float32"), column(1e20, "float32"), { kernel: "packed" }), overflow("matmul", "the result", "float32", "Infinity", "1x1")],
    ["matmul float32 (wasm kernel)", () => matmul(row(1e20, "float32"), column(1e20, "float32"), { kernel: "wasm" }), overflow("matmul", "the product (float32 sums of the wasm kernel)", "float32", "Infinity", "1x1")],
    ["matmulReference", () => matmulReference(row(1e200), column(1e200)), overflow("matmulReference", "the product", "float64", "Infinity", "1x1")],
    ["affine", () => affine(Matrix.from([[1]]), Matrix.from([[1e308]]), Matrix.from([[1e308]])), overflow("affine", "X W + b", "float64", "Infinity", "1x1")],
    ["linearForward", () => linearForward(Matrix.from([[1e200]]), bigLayer), overflow("linearForward", "the product", "float64", "Infinity", "1x1")],
    ["add", () => add(row(1e308), row(1e308)), overflow("add", "the result", "float64", "Infinity", "1x2")],
    ["subtract", () => subtract(row(1e308), row(-1e308)), overflow("subtract", "the result", "float64", "Infinity", "1x2")],
    ["scale", () => scale(row(1e308), 10), overflow("scale", "the product", "float64", "Infinity", "1x2")],
    ["rowSums", () => rowSums(row(1e308)), overflow("rowSums", "a row sum", "float64", "Infinity", "1x1")],
    ["dropout's scaling", () => dropout(Matrix.from([[1e308, 1e308, 1e308, 1e308]]), { rate: 0.5, generator: new Generator(1) }), overflow("dropout", "the result", "float64", "Infinity", "1x4")],
    [
      "multiHeadAttention's output projection",
      () => multiHeadAttention(Matrix.from([[1000, 1000]]), { ...heads, wo: Matrix.from([[1e308, 1e308], [1e308, 1e308]]) }, { heads: 1 }),
      overflow("multiHeadAttention", "the product", "float64", "Infinity", "1x2"),
    ],
    ["determinant", () => determinant(Matrix.from([[1e200, 0], [0, 1e200]])), "determinant: the determinant overflows float64 (Infinity); the input is too large"],
    ["uniform past float32", () => uniform(1, 1, -1e39, 1e39), "uniform: bounds [-1e+39, 1e+39) overflow float32, whose largest value is 3.4028234663852886e+38"],
    ["uniform wider than float32", () => uniform(1, 1, -3e38, 3e38), "uniform: the width to - from = 6.0000000109955115e+38 of [-3e+38, 3e+38) overflows float32"],
    ["Generator.uniform past float32", () => new Generator(1).uniform(0, 1e39), "Generator.uniform: bounds [0, 1e+39) overflow float32, whose largest value is 3.4028234663852886e+38"],
    [
      "attention on the wasm kernel",
      () => attention(row(1e20, "float32"), row(1e20, "float32"), row(1, "float32"), { kernel: "wasm" }),
      overflow("attention", 'the output (float32 scores of the wasm kernel; kernel "packed" computes them in float64)', "float32", "NaN", "1x2"),
    ],
  ]);

  it("eigenvalues and singular values of large but finite matrices come out right instead of overflowing", () => {
    expect(symmetricEigenvalues(Matrix.from([[1e200, 0], [0, 2e200]]))).toEqual([2e200, 1e200]);
    expect(singularValues(Matrix.from([[3e200, 0], [0, 4e200]]))).toEqual([4e200, 3e200]);
  });

  it("float32 products whose float32 partial sums overflow are redone in float64 by the default kernel", () => {
    // (1e20)(1e20) + (1e20)(-1e20) overflows float32 halfway, but the sum is 0: the packed kernel's float64 gets it.
    const a = Matrix.generate(16, 16, (_, j) => (j < 2 ? 1e20 : 1), { dtype: "float32" });
    const b = Matrix.generate(16, 16, (i) => (i === 0 ? 1e20 : i === 1 ? -1e20 : 1), { dtype: "float32" });
    const c = matmul(a, b);
    expect(c.dtype).toBe("float32");
    expect(c.get(0, 0)).toBe(14);
    expect(Array.from(c.data)).toEqual(Array.from(matmul(a, b, { kernel: "packed" }).data));
  });

  it("fused float32 attention whose float32 scores overflow gives the packed kernel's answer by default", () => {
    const [q, k, v] = [row(1e20, "float32"), row(1e20, "float32"), row(1, "float32")];
    expect(attention(q, k, v).output.row(0)).toEqual([1, 1]);
    expect(attention(q, k, v).output.row(0)).toEqual(attention(q, k, v, { kernel: "packed" }).output.row(0));
  });
});

describe("values a matrix cannot hold are refused where they enter", () => {
  table([
    ["new Matrix with NaN", () => new Matrix(1, 2, Float64Array.from([1, NaN])), "Matrix: data[1] is NaN; every value must be finite (or -Infinity, a masked score)"],
    ["new Matrix with +Infinity", () => new Matrix(1, 1, Float64Array.from([Infinity])), "Matrix: data[0] is Infinity; every value must be finite (or -Infinity, a masked score)"],
    ["new Matrix over integers", () => new Matrix(1, 2, Int32Array.from([1, 2]) as never), "Matrix: data must be a Float64Array or Float32Array, got an Int32Array (an integer array would drop fractions); convert it with Float64Array.from(data)"],
    ["new Matrix over a plain array", () => new Matrix(1, 2, [1, 2] as never), "Matrix: data must be a Float64Array or Float32Array, got an array; use Matrix.from(rows) for rows of numbers"],
    ["new Matrix over a string", () => new Matrix(1, 2, "ab" as never), 'Matrix: data must be a Float64Array or Float32Array, got "ab"'],
    ["Matrix.generate returning NaN", () => Matrix.generate(2, 2, () => NaN), "Matrix.generate: f(0, 0) is NaN; every value must be a finite number"],
    ["Matrix.generate returning a string", () => Matrix.generate(2, 2, () => "1" as never), 'Matrix.generate: f(0, 0) is "1"; every value must be a finite number'],
    ["Matrix.generate past float32", () => Matrix.generate(1, 1, () => 1e39, { dtype: "float32" }), "Matrix.generate: f(0, 0) is 1e+39, which overflows float32"],
    ["set NaN", () => Matrix.zeros(2, 2).set(0, 1, NaN), "Matrix.set: value for [0][1] is NaN; every value must be a finite number"],
    ["set a string", () => Matrix.zeros(2, 2).set(0, 0, "1" as never), 'Matrix.set: value for [0][0] is "1"; every value must be a finite number'],
    ["Matrix.from with a hole in a row", () => Matrix.from([[1, , 3]] as never), "Matrix.from: value at [0][1] is missing (a hole in the array)"],
    ["Matrix.from with a missing row", () => Matrix.from([[1], , [3]] as never), "Matrix.from: row 1 is missing (a hole in the array)"],
    ["map returning NaN", () => map(x, () => NaN), "map: f(0, 0) is NaN; every value must be a finite number (or -Infinity to mask)"],
  ]);

  // NaN written straight into .data must still stop at the next public entry, never pass through.
  const nan = withNaN(x);
  const nanMessage = (op: string, name: string, shape = "6x3", masked = false) =>
    `${op}: ${name} (${shape}) has NaN at [0][0]; every value must be ${masked ? "finite or -Infinity (masked)" : "finite"}`;
  table([
    ["add", () => add(nan, x), nanMessage("add", "A")],
    ["subtract", () => subtract(x, nan), nanMessage("subtract", "B")],
    ["scale", () => scale(nan, 2), nanMessage("scale", "m")],
    ["rowSums", () => rowSums(nan), nanMessage("rowSums", "m")],
    ["transpose", () => transpose(nan), nanMessage("transpose", "m", "6x3", true)],
    ["sliceColumns", () => sliceColumns(nan, 0, 1), nanMessage("sliceColumns", "m", "6x3", true)],
    ["concatColumns", () => concatColumns([x, nan]), nanMessage("concatColumns", "parts[1]", "6x3", true)],
    ["applyMask", () => applyMask(withNaN(Matrix.zeros(6, 6)), causalMask(6)), nanMessage("applyMask", "scores", "6x6", true)],
    ["softmaxRows", () => softmaxRows(nan), nanMessage("softmaxRows", "scores", "6x3", true)],
    ["fuseProjections", () => fuseProjections({ ...same, wk: withNaN(same.wk) }), nanMessage("fuseProjections", "wk", "3x3")],
    ["determinant", () => determinant(withNaN(Matrix.identity(3))), nanMessage("determinant", "M", "3x3")],
    ["largestMinor", () => largestMinor(nan, 2), nanMessage("largestMinor", "M")],
    ["maxAbsDifference", () => maxAbsDifference(x, nan), nanMessage("maxAbsDifference", "B", "6x3", true)],
    ["formatMatrix prints it rather than hide it", () => { throw new Error(formatMatrix(nan).split("\n")[0]); }, "[   NaN, 0.1500, 0.8900]"],
  ]);

  it("-Infinity is the one non-finite value a matrix holds: a masked score", () => {
    const masked = selfAttention(x, same, { causal: true }).scores;
    expect(masked.get(0, 1)).toBe(-Infinity);
    expect(softmaxRows(masked.clone()).get(0, 1)).toBe(0);
    expect(transpose(masked).get(1, 0)).toBe(-Infinity);
    expect(messageOf(() => add(masked, masked))).toBe("add: A (6x6) has -Infinity at [0][1]; every value must be finite");
    expect(messageOf(() => maxAbsDifference(masked, Matrix.zeros(6, 6)))).toBe(
      "maxAbsDifference: [0][1] is masked in one matrix only (-Infinity and 0); they cannot agree",
    );
  });
});

describe("large matrices print summarised and searches stop, never 'Maximum call stack size exceeded'", () => {
  const big = Matrix.generate(400, 400, (i, j) => i + j / 1000);

  it("formatMatrix, toString and util.inspect show the first and last 3 rows and columns around ...", () => {
    const expected = [
      "[  0.0000,   0.0010,   0.0020,      ...,   0.3970,   0.3980,   0.3990]",
      "[  1.0000,   1.0010,   1.0020,      ...,   1.3970,   1.3980,   1.3990]",
      "[  2.0000,   2.0010,   2.0020,      ...,   2.3970,   2.3980,   2.3990]",
      " ...",
      "[397.0000, 397.0010, 397.0020,      ..., 397.3970, 397.3980, 397.3990]",
      "[398.0000, 398.0010, 398.0020,      ..., 398.3970, 398.3980, 398.3990]",
      "[399.0000, 399.0010, 399.0020,      ..., 399.3970, 399.3980, 399.3990]",
    ].join("\n");
    expect(formatMatrix(big)).toBe(expected);
    expect(big.toString()).toBe(expected);
    expect(inspect(big)).toBe(`Matrix 400x400\n${expected}`);
  });

  it("summarises only the long axis, keeps labels, and prints everything when asked", () => {
    const wide = Matrix.generate(2, 600, (_, j) => j);
    const labels = Array.from({ length: 600 }, (_, j) => `c${j}`);
    expect(formatMatrix(wide, { rowLabels: ["a", "b"], colLabels: labels, decimals: 0 })).toBe(
      ["     c0    c1    c2   ...  c597  c598  c599", "a [   0,    1,    2,  ...,  597,  598,  599]", "b [   0,    1,    2,  ...,  597,  598,  599]"].join("\n"),
    );
    expect(formatMatrix(wide, { full: true, decimals: 0 }).split("\n")[0].split(",")).toHaveLength(600);
    expect(formatMatrix(Matrix.generate(1, 200000, (_, j) => j), { full: true, decimals: 0 })).toHaveLength(1600000);
  });

  it("largestMinor refuses a search too large to finish, and still searches fine ones", () => {
    expect(messageOf(() => largestMinor(Matrix.zeros(400, 400), 4))).toBe(
      "largestMinor: a 400x400 matrix has 1.10e+18 minors of size 4, more than the 1000000 it searches",
    );
    const identity30 = Matrix.identity(30);
    expect(largestMinor(identity30, 2)).toEqual({ determinant: 1, rows: [0, 1], cols: [0, 1] });
  });
});

describe("a matrix too big fails at once, naming the function, the size and the bytes", () => {
  const tooBig = (op: string, shape: string, dtype: string, size: string) =>
    `${op}: a ${shape} ${dtype} matrix needs ${size}, more than the 2 GB one matrix may take`;
  table([
    ["Matrix.zeros", () => Matrix.zeros(100000, 100000), tooBig("Matrix.zeros", "100000x100000", "float64", "80 GB")],
    ["new Matrix", () => new Matrix(100000, 100000), tooBig("Matrix", "100000x100000", "float64", "80 GB")],
    ["Matrix.identity", () => Matrix.identity(1e6), tooBig("Matrix.identity", "1000000x1000000", "float64", "8 TB")],
    ["rand", () => rand(100000, 100000), tooBig("rand", "100000x100000", "float32", "40 GB")],
    ["causalMask", () => causalMask(1e6), tooBig("causalMask", "1000000x1000000", "float64", "8 TB")],
    ["linearLayer", () => linearLayer(100000, 100000), tooBig("linearLayer", "100000x100000", "float32", "40 GB")],
    ["matmul's product", () => matmul(Matrix.zeros(100000, 1), Matrix.zeros(1, 100000)), tooBig("matmul", "100000x100000", "float64", "80 GB")],
    ["selfAttention's scores", () => selfAttention(Matrix.zeros(100000, 1), sameAsInputWeights(1)), tooBig("selfAttention", "100000x100000", "float64", "80 GB")],
    ["attention's weights", () => attention(Matrix.zeros(100000, 1), Matrix.zeros(100000, 1), Matrix.zeros(100000, 1), { weights: true }), tooBig("attention", "100000x100000", "float64", "80 GB")],
  ]);
});

describe("options: unknown names list what exists, wrong types say what is wanted, missing ones say what to pass", () => {
  table([
    ["scaled", () => selfAttention(x, same, { scaled: true } as never), 'selfAttention: unknown option "scaled"; its options are scale, causal, mask, dropout (did you mean scale?)'],
    ["causa", () => attendTo(x, x, x, { causa: true } as never), 'attendTo: unknown option "causa"; its options are scale, causal, mask, dropout (did you mean causal?)'],
    ["kernal", () => matmul(x, diagram.kT, { kernal: "wasm" } as never), 'matmul: unknown option "kernal"; its options are kernel (did you mean kernel?)'],
    ["seed where none is taken", () => rand(2, 2, { seed: 1 } as never), 'rand: unknown option "seed"; its options are generator, dtype (a draw takes a generator: pass { generator: new Generator(1) })'],
    ["decimal", () => formatMatrix(x, { decimal: 2 } as never), 'formatMatrix: unknown option "decimal"; its options are decimals, rowLabels, colLabels, full (did you mean decimals?)'],
    ["a nested dropout option", () => selfAttention(x, same, { dropout: { rat: 0.1 } as never }), 'selfAttention: unknown dropout option "rat"; its dropout options are rate, training, generator (did you mean rate?)'],
    ["causal: \"false\"", () => selfAttention(x, same, { causal: "false" as never }), 'selfAttention: option causal must be a boolean, got "false"'],
    ["training: \"false\"", () => dropout(x, { rate: 0.1, training: "false" as never }), 'dropout: option training must be a boolean, got "false"'],
    ["decimals: 1.5", () => formatMatrix(x, { decimals: 1.5 }), "formatMatrix: option decimals must be an integer, got number 1.5"],
    ["dtype: \"float16\"", () => rand(2, 2, { dtype: "float16" as never }), 'rand: option dtype must be one of "float64", "float32", got "float16"'],
    ["generator: 42", () => linearLayer(3, 2, { generator: 42 as never }), "linearLayer: option generator must be a Generator, e.g. new Generator(1337), got number 42: for seed 42, pass new Generator(42)"],
    ["scale: \"yes\"", () => attendTo(x, x, x, { scale: "yes" as never }), 'attendTo: option scale must be a boolean or a number, got "yes"'],
    ["options as an array", () => matmul(x, diagram.kT, [] as never), "matmul: options must be an object like { kernel: ... }, got an array"],
    ["dropout(m) without options", () => dropout(x, undefined as never), "dropout: options are required, e.g. { rate: 0.1 }"],
    ["dropout without a rate", () => dropout(x, {} as never), "dropout: option rate is required, e.g. { rate: 0.1 }"],
    ["multiHeadAttention(x, w) without options", () => multiHeadAttention(x, multiHeadWeights(3, 4), undefined as never), "multiHeadAttention: options are required, e.g. { heads: 2 }"],
    ["multiHeadAttention without heads", () => multiHeadAttention(x, multiHeadWeights(3, 4), {} as never), "multiHeadAttention: option heads is required, e.g. { heads: 2 }"],
    ["selfAttention with an output projection", () => selfAttention(x, multiHeadWeights(3, 3)), 'selfAttention: unknown weight "wo"; its weights are wq, wk, wv, bq, bk, bv (selfAttention has no output projection: use multiHeadAttention(x, weights, { heads: 1 }) for W_O and b_O)'],
    ["a misspelled layer field", () => linearForward(x, { wieght: Matrix.zeros(2, 3) } as never), 'linearForward: unknown layer field "wieght"; its layer fields are weight, bias (did you mean weight?)'],
    [
      "the fused attention's mask",
      () => attention(x, x, x, { mask: causalMask(6) } as never),
      'attention: unknown option "mask"; its options are causal, scale, weights, kernel (the fused kernel masks only causally: use causal: true, or attendTo(q, k, v, { mask: mask }) for any other mask)',
    ],
    [
      "the fused attention's dropout",
      () => attention(x, x, x, { dropout: { rate: 0.1 } } as never),
      'attention: unknown option "dropout"; its options are causal, scale, weights, kernel (the fused kernel has no dropout: use attendTo(q, k, v, { dropout: { rate: 0.1 } }))',
    ],
  ]);

  it("null or missing options work like {} where options are optional", () => {
    const plain = selfAttention(x, same).output;
    expect(selfAttention(x, same, null as never).output.toArray()).toEqual(plain.toArray());
    expect(selfAttention(x, same, undefined).output.toArray()).toEqual(plain.toArray());
    expect(matmul(x, diagram.kT, null as never).toArray()).toEqual(matmul(x, diagram.kT).toArray());
    expect(formatMatrix(x, null as never)).toBe(formatMatrix(x));
    expect(rand(1, 2, null as never).shape).toEqual([1, 2]);
    expect(Matrix.zeros(1, 1, null as never).dtype).toBe("float64");
  });
});

describe("plain number[][] where a Matrix is expected: one message that points to Matrix.from", () => {
  const a = [[1, 2], [3, 4]] as unknown as Matrix;
  const weights = { wq: a, wk: a, wv: a } as never;
  const asArray = (op: string, name: string) => `${op}: expected a Matrix for ${name}, got an array: use Matrix.from(...)`;
  table([
    ["matmul", () => matmul(a, x), asArray("matmul", "A")],
    ["matmulReference", () => matmulReference(x, a), asArray("matmulReference", "B")],
    ["add", () => add(x, a), asArray("add", "B")],
    ["subtract", () => subtract(a, x), asArray("subtract", "A")],
    ["scale", () => scale(a, 2), asArray("scale", "m")],
    ["rowSums", () => rowSums(a), asArray("rowSums", "m")],
    ["transpose", () => transpose(a), asArray("transpose", "m")],
    ["map", () => map(a, (v) => v), asArray("map", "m")],
    ["sliceColumns", () => sliceColumns(a, 0, 1), asArray("sliceColumns", "m")],
    ["concatColumns", () => concatColumns([x, a]), asArray("concatColumns", "parts[1]")],
    ["maxAbsDifference", () => maxAbsDifference(a, x), asArray("maxAbsDifference", "A")],
    ["softmaxRows", () => softmaxRows(a), asArray("softmaxRows", "scores")],
    ["applyMask", () => applyMask(x, a), asArray("applyMask", "mask")],
    ["selfAttention", () => selfAttention(a, same), asArray("selfAttention", "X")],
    ["selfAttention's weights", () => selfAttention(x, weights), "selfAttention: weight wq must be a Matrix, got an array: use Matrix.from(...)"],
    ["selfAttention's mask", () => selfAttention(x, same, { mask: a }), "selfAttention: option mask must be a Matrix, got an array: use Matrix.from(...)"],
    ["attendTo", () => attendTo(x, x, a), asArray("attendTo", "V")],
    ["attention", () => attention(x, a, x), asArray("attention", "K")],
    ["fuseProjections", () => fuseProjections(weights), "fuseProjections: weight wq must be a Matrix, got an array: use Matrix.from(...)"],
    ["fusedProjection", () => fusedProjection(a, x, { q: 1, k: 1, v: 1 }), asArray("fusedProjection", "X")],
    ["multiHeadAttention", () => multiHeadAttention(a, multiHeadWeights(3, 4), { heads: 2 }), asArray("multiHeadAttention", "X")],
    ["selfAttentionBatch", () => selfAttentionBatch([a], same), asArray("selfAttentionBatch", "batch item 0")],
    ["multiHeadAttentionBatch", () => multiHeadAttentionBatch([x, a], multiHeadWeights(3, 4), { heads: 2 }), asArray("multiHeadAttentionBatch", "batch item 1")],
    ["affine", () => affine(x, a), asArray("affine", "W")],
    ["linearForward", () => linearForward(a, linearLayer(2, 2)), asArray("linearForward", "X")],
    ["linearForward's layer", () => linearForward(x, { weight: a, bias: null }), "linearForward: layer field weight must be a Matrix, got an array: use Matrix.from(...)"],
    ["dropout", () => dropout(a, { rate: 0.1 }), asArray("dropout", "m")],
    ["dropoutWithMask", () => dropoutWithMask(a, { rate: 0.1 }), asArray("dropoutWithMask", "m")],
    ["determinant", () => determinant(a), asArray("determinant", "M")],
    ["largestMinor", () => largestMinor(a, 1), asArray("largestMinor", "M")],
    ["singularValues", () => singularValues(a), asArray("singularValues", "M")],
    ["symmetricEigenvalues", () => symmetricEigenvalues(a), asArray("symmetricEigenvalues", "M")],
    ["formatMatrix", () => formatMatrix(a), "formatMatrix: expected a Matrix, got an array: use Matrix.from(...)"],
  ]);

  // Every public function of the matrix and attention modules, called with nothing: its own name first, never an
  // engine error about undefined. (The plots, the GPT and its file formats have their own tests.)
  const modules = [matrixModule, formatModule, matmulModule, opsModule, softmaxModule, attentionModule, fusedModule, multiheadModule, linearModule, dropoutModule, maskModule, projectionsModule, randomModule, linalgModule, batchModule, dataModule];
  const own = new Set([...modules.flatMap((m) => Object.keys(m)), "checkPrintedScores", "checkPrintedWeights", "checkPrintedOutput"]);
  const helpers = new Set(["assertFinite", "checkBatch", "checkMatmulInputs", "checkOptions", "requireOptions", "mapBatch"]); // their first argument is the caller's name
  const noArguments = new Set(["loadDiagram", "wasmKernels", "checkDiagram", "Generator", "Matrix"]); // fine without arguments
  const functions = Object.entries(lib).filter(([name, value]) => typeof value === "function" && own.has(name) && !helpers.has(name) && !noArguments.has(name));
  it.each(functions)("%s() names itself", (name, f) => {
    const message = messageOf(() => (f as (...args: unknown[]) => unknown)());
    expect(message.startsWith(`${name}: `)).toBe(true);
    expect(message).not.toMatch(/Cannot read properties|is not a function|is not iterable/);
  });
});

describe("messages name the function the user called and say what is wrong", () => {
  table([
    ["Matrix.from([1, 2, 3]) is not 'empty'", () => Matrix.from([1, 2, 3] as never), "Matrix.from: expected an array of rows like [[1, 2], [3, 4]], got an array of numbers; for one row write [[1, 2, 3]]"],
    ["Matrix.from([])", () => Matrix.from([]), "Matrix.from: no rows; a matrix needs at least one row with one value"],
    ["Matrix.zeros(2.5, 3)", () => Matrix.zeros(2.5, 3), "Matrix.zeros: rows must be a whole number, got 2.5"],
    ["new Generator(5n) is not 'seed 5'", () => new Generator(5n as never), "Generator: seed must be a whole number in [0, 2^53), got bigint 5n"],
    ["manualSeed(-1)", () => manualSeed(-1), "manualSeed: seed must be a whole number in [0, 2^53), got -1"],
    ["selfAttentionBatch's scale", () => selfAttentionBatch([x], same, { scale: -1 }), "selfAttentionBatch: scale is -1; use true, false or a positive finite number"],
    ["selfAttention's masked-out row, not softmaxRows", () => selfAttention(x, same, { mask: Matrix.generate(6, 6, (_, j) => (j === 0 ? 1 : 0)), causal: true }), "selfAttention: row 0 of 6x6 is masked everywhere (all -Infinity); softmax needs at least one score"],
    ["multiHeadAttention's mask shape", () => multiHeadAttention(x, multiHeadWeights(3, 4), { heads: 2, mask: causalMask(3) }), "multiHeadAttention: mask is 3x3 but the scores are 6x6: it needs one entry per score"],
    ["multiHeadAttention's dropout rate", () => multiHeadAttention(x, multiHeadWeights(3, 4), { heads: 2, dropout: { rate: 2 } }), "multiHeadAttention: dropout option rate must be in [0, 1], got 2"],
    ["multiHeadWeights' generator", () => multiHeadWeights(3, 4, { generator: 1 as never }), "multiHeadWeights: option generator must be a Generator, e.g. new Generator(1337), got number 1: for seed 1, pass new Generator(1)"],
    ["linearProjections' sizes, not linearLayer", () => linearProjections(0, 2), "linearProjections: features must be positive integers, got in 0 and out 2"],
    ["randomProjections' sizes, not rand", () => randomProjections(3, 0.5), "randomProjections: dOut must be a positive whole number, got 0.5"],
    ["sameAsInputWeights(2.5), not Matrix.identity", () => sameAsInputWeights(2.5), "sameAsInputWeights: dIn must be a positive whole number, got 2.5"],
    ["dropoutMask's sizes, not Matrix.zeros", () => dropoutMask(0, 2, { rate: 0.5 }), "dropoutMask: a matrix needs at least 1 row and 1 column, got 0x2"],
    ["a non-symmetric matrix for symmetricEigenvalues", () => symmetricEigenvalues(Matrix.from([[1, 2], [3, 4]])), "symmetricEigenvalues: M is not symmetric: [0][1] is 2 but [1][0] is 3"],
  ]);
});

describe("dataPath and readDataText stay inside data/", () => {
  table([
    ["a parent folder", () => dataPath("../package.json"), 'dataPath: "../package.json" is outside data/; give a file name inside data/, like "document.json"'],
    ["an absolute path", () => dataPath("/etc/passwd"), 'dataPath: "/etc/passwd" is outside data/; give a file name inside data/, like "document.json"'],
    ["a path that climbs out", () => readDataText("sub/../../package.json"), 'readDataText: "sub/../../package.json" is outside data/; give a file name inside data/, like "document.json"'],
    ["data/ itself", () => readDataText("."), 'readDataText: "." is outside data/; give a file name inside data/, like "document.json"'],
    ["not a string", () => dataPath(42 as never), 'dataPath: name must be a file name in data/, like "document.json", got number 42'],
  ]);

  it("still finds the files that are there", () => {
    expect(dataPath("document.json").endsWith("/data/document.json")).toBe(true);
    expect(JSON.parse(readDataText("document.json")).tokens).toHaveLength(6);
  });
});

describe("dropout at the ends of its range, as PyTorch", () => {
  it("rate 0 is the identity, draws nothing, and still shows its mask (all ones) in attention", () => {
    const g = new Generator(7);
    expect(dropout(x, { rate: 0, generator: g })).toBe(x);
    expect(g.nextUint32()).toBe(new Generator(7).nextUint32());
    const steps = selfAttention(x, same, { causal: true, dropout: { rate: 0, generator: new Generator(42) } });
    expect(steps.weights.toArray()).toEqual(selfAttention(x, same, { causal: true }).weights.toArray());
    expect(steps.dropoutMask!.data.filter((v) => v > 0).length).toBe(36);
  });

  it("rate 1 drops everything and draws nothing", () => {
    const g = new Generator(7);
    expect(dropout(x, { rate: 1, generator: g }).toArray().flat().every((v) => v === 0)).toBe(true);
    expect(g.nextUint32()).toBe(new Generator(7).nextUint32());
    expect(Array.from(dropoutMask(2, 2, { rate: 1 }).data)).toEqual([0, 0, 0, 0]);
    const steps = selfAttention(x, same, { dropout: { rate: 1 } });
    expect(steps.output.toArray().flat().every((v) => v === 0)).toBe(true);
  });
});

// Guards that keep a NaN or a change of meaning from passing silently.
const f32 = Matrix.from([[1.5, 2]], { dtype: "float32" });
const f64 = Matrix.from([[0.1, 0.2]]);
const withNaNAt = (m: Matrix, i: number, j: number) => {
  const copy = m.clone();
  copy.data[i * copy.cols + j] = NaN; // only by writing data directly: set refuses NaN
  return copy;
};

describe("numbers that would turn into NaN later", () => {
  it("maxAbsDifference refuses a NaN instead of calling it agreement, and equal infinities agree", () => {
    expect(() => maxAbsDifference(withNaNAt(Matrix.from([[0, 1]]), 0, 0), Matrix.from([[5, 1]]))).toThrow(
      "maxAbsDifference: A (1x2) has NaN at [0][0]; every value must be finite or -Infinity (masked)",
    );
    const masked = new Matrix(1, 2, Float64Array.from([-Infinity, 1]));
    expect(maxAbsDifference(masked, masked.clone())).toEqual({ value: 0, row: 0, col: 0 });
  });

  it("matmul names the operand that holds a NaN", () => {
    expect(() => matmul(withNaNAt(diagram.x, 1, 2), diagram.kT)).toThrow(
      "matmul: A (6x3) has NaN at [1][2]; every value must be finite",
    );
  });

  it("Matrix.from rejects a value that overflows float32", () => {
    expect(() => Matrix.from([[1e39]], { dtype: "float32" })).toThrow(
      "Matrix.from: value at [0][0] is 1e+39, which overflows float32",
    );
  });

  it("attendTo checks Q, K and V like selfAttention checks X", () => {
    expect(() => attendTo(diagram.x, diagram.x, withNaNAt(diagram.x, 5, 0))).toThrow(
      "attendTo: V (6x3) has NaN at [5][0]; every value must be finite",
    );
  });

  it("the fused attention kernel reports a Q K^T that overflows", () => {
    const q = Matrix.from([[1e200, 1e200]]);
    const k = Matrix.from([[1e200, -1e200]]);
    expect(() => attention(q, k, Matrix.from([[1]]))).toThrow("attention: a score is NaN; Q K^T overflowed");
  });

  it("multi-head attention checks W_O, and refuses b_O without W_O", () => {
    const weights = multiHeadWeights(3, 4, { generator: new Generator(1) });
    expect(() => multiHeadAttention(diagram.x, { ...weights, wo: withNaNAt(weights.wo!, 0, 3) }, { heads: 2 })).toThrow(
      "multiHeadAttention: wo (4x4) has NaN at [0][3]; every value must be finite",
    );
    expect(() => multiHeadAttention(diagram.x, { ...weights, wo: undefined }, { heads: 2 })).toThrow(
      "multiHeadAttention: bo is given without wo; the output bias belongs to the output projection",
    );
  });

  it("differenceHeatmap lets two masked scores agree", () => {
    const steps = selfAttention(diagram.x, sameAsInputWeights(3), { causal: true });
    expect(differenceHeatmap(steps.scores, steps.scores.clone(), { labels: diagram.tokens }).mime).toBe("image/svg+xml");
  });
});

describe("no silent change of meaning", () => {
  it("mixed dtypes give float64 whatever the order, as matmul does", () => {
    expect(resultDtype(f32, f64)).toBe("float64");
    expect(add(f32, f64).dtype).toBe("float64");
    expect(add(f64, f32).dtype).toBe("float64");
    expect(add(f32, f64).row(0)).toEqual([1.6, 2.2]);
    expect(concatColumns([f32, f64]).row(0)).toEqual([1.5, 2, 0.1, 0.2]);
    expect(add(f32, f32).dtype).toBe("float32");
  });

  it("fuseProjections refuses biases it cannot fuse", () => {
    const weights = linearProjections(3, 2, { bias: true, generator: new Generator(2) });
    expect(() => fuseProjections(weights)).toThrow(
      "fuseProjections: bq is given, but the fused path has no biases; use selfAttention",
    );
  });

  it("attention scale takes a number as well as true, and refuses anything else", () => {
    const half = attendTo(diagram.x, diagram.x, diagram.x, { scale: 0.5 });
    expect(half.scores.get(0, 0)).toBeCloseTo(0.9995 * 0.5, 12);
    const sqrt = attendTo(diagram.x, diagram.x, diagram.x, { scale: true });
    expect(sqrt.scores.get(0, 0)).toBeCloseTo(0.9995 / Math.sqrt(3), 12);
    expect(() => attendTo(diagram.x, diagram.x, diagram.x, { scale: -1 })).toThrow(
      "attendTo: scale is -1; use true, false or a positive finite number",
    );
  });
});

describe("dropout keeps the input's dtype", () => {
  it("scales float32 values by the float32 quotient 1 / (1 - p), as PyTorch's float32 noise does", () => {
    const ones32 = Matrix.generate(4, 4, () => 1, { dtype: "float32" });
    const dropped = dropout(ones32, { rate: 0.1, generator: new Generator(3) });
    expect(dropped.dtype).toBe("float32");
    const kept = Array.from(dropped.data).filter((v) => v > 0);
    expect(kept.length).toBeGreaterThan(0);
    for (const v of kept) expect(v).toBe(Math.fround(1 / Math.fround(0.9)));
    expect(Math.fround(1 / Math.fround(0.9))).not.toBe(1 / 0.9);
  });
});

describe("the attention API's last odd inputs: each refused naming the function called", () => {
  const printed = Matrix.from([[1, 2], [2, 5]]);
  table([
    ["heatmap of 1e308 and -1e308", () => heatmap(Matrix.from([[1e308, -1e308]])), "heatmap: the colors would span [-1e+308, 1e+308], whose width overflows float64; scale the values down or give a domain"],
    ["checkPrintedScores with decimals NaN", () => checkPrintedScores(printed, printed, 3, NaN), "checkPrintedScores: decimals (the digits printed after the point) must be an integer in [0, 15], got number NaN"],
    ["checkPrintedScores with the head size NaN", () => checkPrintedScores(printed, printed, NaN), "checkPrintedScores: inputWidth (the columns of X, d_in) must be an integer >= 1, got number NaN"],
    ["checkPrintedScores of two shapes", () => checkPrintedScores(printed, Matrix.zeros(3, 3), 3), "checkPrintedScores: shapes 2x2 and 3x3 differ"],
    ["checkPrintedWeights of two shapes, not maxAbsDifference", () => checkPrintedWeights(printed, Matrix.zeros(3, 3), Matrix.zeros(3, 3)), "checkPrintedWeights: shapes 2x2 and 3x3 differ"],
    ["checkDiagram(null)", () => checkDiagram(null as never), "checkDiagram: expected a Diagram like diagram or loadDiagram(), with x and printed { scores, weights, output }, got null"],
    ["checkDiagram({})", () => checkDiagram({} as never), "checkDiagram: expected a Diagram like diagram or loadDiagram(), with x and printed { scores, weights, output }, got an object"],
    ["selfAttentionBatch of a sparse array", () => selfAttentionBatch([x, , x] as never, same), "selfAttentionBatch: expected a Matrix for batch item 1, got undefined"],
    ["resultDtype() with no inputs", () => resultDtype(), "resultDtype: no inputs; pass the matrices a result is computed from"],
    ["M.astype() with no dtype", () => x.astype(undefined as never), 'Matrix.astype: dtype must be "float64" or "float32", got undefined'],
  ]);

  it("attention(Q, K, V, null) works as with no options", () => {
    const q = Matrix.from([[1, 2]]);
    expect(attention(q, q, q, null as never).output.row(0)).toEqual([1, 2]);
  });
});

describe("what the sweep of the public surface found (test/bad-input-sweep.test.ts), with the exact messages", () => {
  const sq = Matrix.from([[1, 2], [3, 4]]);
  const calledBy = (helper: string, got: string) => `${helper}: the first argument is the name of the function whose input is checked, e.g. "myAttention", got ${got}`;
  table([
    ["checkOptions without the caller's name", () => lib.checkOptions(undefined as never, {}, {}), calledBy("checkOptions", "undefined")],
    ["checkOptions without a spec", () => lib.checkOptions("myAttention", {}, null as never), 'checkOptions: spec must be an object of the options\' kinds, e.g. { causal: "boolean" }, got null'],
    ["requireOptions without an example", () => lib.requireOptions("myAttention", {}, {}, undefined as never), 'requireOptions: example must be a string, e.g. "{ steps: 10 }", got undefined'],
    ["assertFinite without the caller's name", () => lib.assertFinite(sq as never, "Q", sq), calledBy("assertFinite", "a Matrix")],
    ["checkMatmulInputs without the caller's name", () => lib.checkMatmulInputs(sq as never, sq, sq), calledBy("checkMatmulInputs", "a Matrix")],
    ["checkBatch without the caller's name", () => lib.checkBatch([sq] as never, [sq]), calledBy("checkBatch", "an array")],
    ["mapBatch without the caller's name", () => lib.mapBatch([sq] as never, [sq], (m) => m), calledBy("mapBatch", "an array")],
    ["describeOutside(null)", () => lib.describeOutside(null as never), "describeOutside: fields are required, e.g. an entry of checkPrintedOutput's outside list"],
    ["describeOutside({})", () => lib.describeOutside({} as never), "describeOutside: field row is required; fields row, col, value, min, max, excess, side must be given"],
    ["gemm(null)", () => lib.gemm(null as never, null as never, null as never, 1, 1, 1), "gemm: C must be a Float32Array or a Float64Array, got null"],
    ["gemm with m NaN", () => lib.gemm(new Float64Array(4), new Float64Array(4), new Float64Array(4), NaN, 2, 2), "gemm: m must be an integer >= 0, got number NaN"],
    ["concatColumns of a sparse array", () => concatColumns([, sq] as never), "concatColumns: expected a Matrix for parts[0], got undefined"],
    ["differenceHeatmap of 1e308 and -1e308, not heatmap", () => differenceHeatmap(Matrix.from([[1e308, -1e308]]), Matrix.from([[0, 0]])), "differenceHeatmap: the colors would span [-1e+308, 1e+308], whose width overflows float64; scale the values down or give a domain"],
    ["heatmaps of a sparse array", () => lib.heatmaps([, sq] as never), "heatmaps: matrix 0 must be a Matrix, got undefined"],
  ]);
});
