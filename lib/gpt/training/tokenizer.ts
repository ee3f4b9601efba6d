// A character-level tokenizer, as nanoGPT's shakespeare_char/prepare.py: the vocabulary is the text's distinct
// characters, sorted, and a character's token id is its place in that list.
import { onBehalfOf } from "../../core/errors.js";
import { checkOptions, describe, type CustomKind } from "../../core/options.js";

/** The kind of an option that holds one character (one code point), e.g. a replacement. */
export const ONE_CHARACTER: CustomKind = { test: (value) => typeof value === "string" && [...value].length === 1, text: "one character" };

/** A character as a reader can see it in an error: control and invisible characters escaped, with the code point. */
export function describeCharacter(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return `${JSON.stringify(ch)} (U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
}

/** "character X at position P is not in the vocabulary", or the list of all of them, with a way out. */
function unknownMessage(fn: string, unknown: Map<string, { first: number; count: number }>, vocabSize: number): string {
  const hint = "; to fine-tune on them, extend the vocabulary or replace them (unknownChars in prepareFineTune, --unknown_chars in npm run train)";
  if (unknown.size === 1) {
    const [[ch, { first, count }]] = unknown;
    const times = count > 1 ? ` (${count} times)` : "";
    return `${fn}: character ${describeCharacter(ch)} at position ${first}${times} is not in the vocabulary of ${vocabSize} characters${hint}`;
  }
  const list = [...unknown].map(([ch, { first, count }]) => `${describeCharacter(ch)} at ${first}${count > 1 ? ` (${count} times)` : ""}`);
  return `${fn}: ${unknown.size} characters are not in the vocabulary of ${vocabSize} characters: ${list.join(", ")}${hint}`;
}

function byCodePoint(a: string, b: string): number {
  return (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0);
}

export class CharTokenizer {
  /** The vocabulary: token id i is chars[i]. */
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  /** A tokenizer over these characters (each one code point, no repeats), in this order. */
  constructor(chars: readonly string[]) {
    if (!Array.isArray(chars)) throw new TypeError(`CharTokenizer: chars must be an array of characters, got ${describe(chars)}`);
    if (chars.length === 0) throw new RangeError("CharTokenizer: the vocabulary needs at least one character");
    const ids = new Map<string, number>();
    chars.forEach((ch, id) => {
      if (typeof ch !== "string" || [...ch].length !== 1) {
        throw new TypeError(`CharTokenizer: vocabulary entry ${id} is ${JSON.stringify(ch)}, not one character`);
      }
      if (ids.has(ch)) throw new RangeError(`CharTokenizer: ${describeCharacter(ch)} appears twice in the vocabulary (ids ${ids.get(ch)} and ${id})`);
      ids.set(ch, id);
    });
    this.chars = Object.freeze([...chars]);
    this.ids = ids;
  }

  /** The vocabulary of a text: its distinct characters sorted by code point, as Python's sorted(set(text)). */
  static fromText(text: string): CharTokenizer {
    if (typeof text !== "string") throw new TypeError(`CharTokenizer.fromText: text must be a string, got ${describe(text)}`);
    if (text.length === 0) throw new RangeError("CharTokenizer.fromText: the text is empty");
    return new CharTokenizer([...new Set(text)].sort(byCodePoint));
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  /**
   * Token ids of a text, one per character. Characters outside the vocabulary are an error that lists every one of
   * them, where each first appears and how often; with { replacement } they become that character (of the vocabulary).
   */
  encode(text: string, options: { replacement?: string } = {}): Int32Array {
    if (typeof text !== "string") throw new TypeError(`CharTokenizer.encode: text must be a string, got ${describe(text)}`);
    const { replacement } = checkOptions("CharTokenizer.encode", options, { replacement: ONE_CHARACTER });
    const replacementId = replacement === undefined ? undefined : this.ids.get(replacement);
    if (replacement !== undefined && replacementId === undefined) {
      throw new RangeError(`CharTokenizer.encode: the replacement ${describeCharacter(replacement)} is not in the vocabulary either`);
    }
    const out = new Int32Array(text.length);
    const unknown = new Map<string, { first: number; count: number }>();
    let n = 0;
    for (const ch of text) {
      const id = this.ids.get(ch) ?? replacementId;
      if (id === undefined) {
        const seen = unknown.get(ch);
        if (seen === undefined) unknown.set(ch, { first: n, count: 1 });
        else seen.count++;
      }
      out[n++] = id ?? 0;
    }
    if (unknown.size > 0) throw new RangeError(unknownMessage("CharTokenizer.encode", unknown, this.vocabSize));
    return n === out.length ? out : out.slice(0, n);
  }

  /** The characters of a text that are not in the vocabulary, sorted by code point (none: an empty list). */
  unknownCharacters(text: string): string[] {
    if (typeof text !== "string") throw new TypeError(`CharTokenizer.unknownCharacters: expected a string, got ${typeof text}`);
    return [...new Set(text)].filter((ch) => !this.ids.has(ch)).sort(byCodePoint);
  }

  /** This vocabulary and then the given new characters (sorted by code point): every old id keeps its character. */
  extend(chars: readonly string[]): CharTokenizer {
    if (!Array.isArray(chars)) throw new TypeError("CharTokenizer.extend: expected an array of characters, e.g. tokenizer.unknownCharacters(text)");
    return onBehalfOf("CharTokenizer.extend", () => new CharTokenizer([...this.chars, ...[...chars].sort(byCodePoint)]));
  }

  /** The text of token ids; an id outside [0, vocabSize) is an error saying which and where. */
  decode(ids: ArrayLike<number>): string {
    if (ids === null || typeof ids !== "object" || typeof ids.length !== "number") {
      throw new TypeError(`CharTokenizer.decode: ids must be an array of token ids, got ${describe(ids)}`);
    }
    let text = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (typeof id !== "number") throw new TypeError(`CharTokenizer.decode: token id ${describe(id)} at position ${i} is not a number`);
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`CharTokenizer.decode: token id ${id} at position ${i} is outside [0, ${this.vocabSize})`);
      }
      text += this.chars[id];
    }
    return text;
  }
}
