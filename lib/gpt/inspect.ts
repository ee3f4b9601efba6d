// Looking inside a trained GPT: what each head attends to on a text, what the model expects next, and the learned
// character embeddings, as matrices the plots take.
import { Matrix } from "../core/matrix.js";
import { lastContext } from "./generate.js";
import type { GPT } from "./model.js";
import { describe } from "../core/options.js";
import { checkModel, checkTokenIds } from "./checks.js";

/** A character as a plot label: a newline is "↵" and a space "␣", so that neither disappears. */
export function characterLabel(ch: string): string {
  if (typeof ch !== "string") throw new TypeError(`characterLabel: ch must be a character, got ${describe(ch)}`);
  return ch === "\n" ? "↵" : ch === " " ? "␣" : ch;
}

/**
 * attentionMaps(model, tokens)[layer][head]: the (T, T) attention weights of every head of every layer on one
 * sequence of T tokens (row: the position attending, column: the position attended to). Of a longer sequence, the
 * last blockSize tokens, as generate reads them (and a printed line says so).
 */
export function attentionMaps(model: GPT, tokens: ArrayLike<number>): Matrix[][] {
  const fn = "attentionMaps";
  checkModel(fn, model);
  checkTokenIds(fn, "tokens", tokens, model.config.vocabSize);
  if (tokens.length === 0) throw new RangeError(`${fn}: no tokens`);
  const context = lastContext(fn, tokens, model.config.blockSize);
  const T = context.length;
  model.forward(context, 1, T);
  const { nLayer, nHead } = model.config;
  return Array.from({ length: nLayer }, (_, l) => {
    const weights = model.attentionWeights(l);
    return Array.from({ length: nHead }, (_, h) => new Matrix(T, T, Float64Array.from(weights.subarray(h * T * T, (h + 1) * T * T))));
  });
}

/** The logits of the token after a sequence (its last blockSize tokens, said when it has more), copied out of the model's buffers. */
export function nextTokenLogits(model: GPT, tokens: ArrayLike<number>): Float64Array {
  checkModel("nextTokenLogits", model);
  checkTokenIds("nextTokenLogits", "tokens", tokens, model.config.vocabSize);
  if (tokens.length === 0) throw new RangeError("nextTokenLogits: no tokens; start from at least one");
  const context = lastContext("nextTokenLogits", tokens, model.config.blockSize);
  const T = context.length;
  const V = model.config.vocabSize;
  const { logits } = model.forward(context, 1, T);
  return Float64Array.from(logits.subarray((T - 1) * V, T * V));
}

/** The token embedding table transformer.wte.weight as a (vocabSize, nEmbd) matrix in float64: row i is token i. */
export function tokenEmbeddings(model: GPT): Matrix {
  checkModel("tokenEmbeddings", model);
  const wte = model.parameter("transformer.wte.weight");
  return new Matrix(wte.shape[0], wte.shape[1], Float64Array.from(wte.data));
}
