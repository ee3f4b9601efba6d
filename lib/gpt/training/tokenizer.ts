// A character-level tokenizer, as nanoGPT's shakespeare_char/prepare.py: the vocabulary is the text's distinct
// characters, sorted, and a character's token id is its place in that list.
import { describe } from "../../core/options.js";

/** A character as a reader can see it in an error: control and invisible characters escaped, with the code point. */
export function describeCharacter(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return `${JSON.stringify(ch)} (U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
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

  /** Token ids of a text, one per character; a character outside the vocabulary is an error saying which and where. */
  encode(text: string): Int32Array {
    if (typeof text !== "string") throw new TypeError(`CharTokenizer.encode: text must be a string, got ${describe(text)}`);
    const out = new Int32Array(text.length);
    let n = 0;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) {
        throw new RangeError(`CharTokenizer.encode: character ${describeCharacter(ch)} at position ${n} is not in the vocabulary of ${this.vocabSize} characters`);
      }
      out[n++] = id;
    }
    return n === out.length ? out : out.slice(0, n);
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
