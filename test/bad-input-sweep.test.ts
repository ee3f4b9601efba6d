// Every function and public method that lib/index.ts exports, called with the same few bad inputs: each call throws
// an error that begins with the name the learner called (never an inner helper's, never the engine's own TypeError),
// or returns a value that is no silent NaN. The list comes from the module itself, so that a new export is swept too.
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as lib from "../lib/index.js";

const { AdamW, CharTokenizer, GPT, Generator, KVCache, Matrix, TextDataset, gptConfig } = lib;
const libDir = join(import.meta.dirname, "..", "lib");

const isClass = (value: unknown): value is new (...args: never[]) => object =>
  typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));

/** The TypeScript source of every lib file, to tell a class's private methods (which a learner cannot call) apart. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "dist" ? [] : sources(path);
    return entry.name.endsWith(".ts") ? [readFileSync(path, "utf8")] : [];
  });
}
const libSource = sources(libDir).join("\n");

function privateNames(className: string): Set<string> {
  const start = libSource.search(new RegExp(`export class ${className}\\b`));
  const body = libSource.slice(start, libSource.indexOf("\n}\n", start));
  return new Set([...body.matchAll(/^ {2}(?:private|protected) (?:static )?(?:readonly )?(?:get )?(\w+)/gm)].map((m) => m[1]));
}

// An instance of each exported class, made right, for its methods.
const config = gptConfig({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 });
const model = () => GPT.create(config, { seed: 1 });
const instances: Record<string, () => object> = {
  AdamW: () => new AdamW(model().parameters),
  CharTokenizer: () => CharTokenizer.fromText("hello"),
  GPT: model,
  Generator: () => new Generator(1),
  KVCache: () => new KVCache(model()),
  Matrix: () => Matrix.from([[1, 2], [3, 4]]),
  TextDataset: () => TextDataset.fromText("hello world, hello world, hello world"),
};

/** One public callable: the name an error must begin with, and how to call it. */
interface Entry {
  name: string;
  arity: number;
  call: (args: unknown[]) => unknown;
}

function entries(): Entry[] {
  const list: Entry[] = [];
  for (const [name, value] of Object.entries(lib)) {
    if (typeof value !== "function") continue; // constants, objects (defaultGenerator, diagram) and types
    if (!isClass(value)) {
      list.push({ name, arity: value.length, call: (args) => (value as (...a: unknown[]) => unknown)(...args) });
      continue;
    }
    const hidden = privateNames(name);
    if (!hidden.has("constructor")) list.push({ name, arity: value.length, call: (args) => new (value as new (...a: unknown[]) => object)(...args) });
    for (const key of Object.getOwnPropertyNames(value)) {
      const method = Object.getOwnPropertyDescriptor(value, key)?.value;
      if (typeof method !== "function" || hidden.has(key) || isClass(method)) continue;
      list.push({ name: `${name}.${key}`, arity: method.length, call: (args) => method.apply(value, args) });
    }
    const make = instances[name];
    if (make === undefined) throw new Error(`the sweep has no instance of class ${name}: add one to instances`);
    for (const key of Object.getOwnPropertyNames(value.prototype)) {
      const method = Object.getOwnPropertyDescriptor(value.prototype, key)?.value;
      if (key === "constructor" || typeof method !== "function" || hidden.has(key)) continue;
      list.push({ name: `${name}.${key}`, arity: method.length, call: (args) => method.apply(make(), args) });
    }
  }
  return list;
}

// The bad inputs: nothing, null, a plain object, a string, NaN, matrices of shapes that do not fit each other.
const wide = () => Matrix.from([[1, 2, 3], [4, 5, 6]]);
const tall = () => Matrix.from([[1], [2], [3]]);
const square = () => Matrix.from([[1, 2], [3, 4]]);
function badCalls(arity: number): [string, unknown[]][] {
  const calls: [string, unknown[]][] = [
    ["()", []],
    ["(null)", [null]],
    ["({})", [{}]],
    ['("text")', ["text"]],
    ["(NaN)", [NaN]],
    ["(2x3 matrix)", [wide()]],
  ];
  const n = Math.max(arity, 2);
  calls.push(["(2x3, 3x1, ... matrices)", [wide(), ...Array.from({ length: n - 1 }, tall)]]);
  calls.push(["(2x2 matrices, then null)", [...Array.from({ length: n - 1 }, square), null]]);
  calls.push(["(2x2 matrices, then a string)", [...Array.from({ length: n - 1 }, square), "text"]]);
  calls.push([`(NaN x ${n})`, Array.from({ length: n }, () => NaN)]);
  calls.push([`(null x ${n})`, Array.from({ length: n }, () => null)]);
  // Fitting 2x2 matrices, but one argument bad: the checks after the first must hold too.
  const bad: [string, () => unknown][] = [
    ["null", () => null],
    ["{}", () => ({})],
    ['"text"', () => "text"],
    ["NaN", () => NaN],
    ["-1", () => -1],
    ["2x3", wide],
    ["[1e308, -1e308]", () => Matrix.from([[1e308, -1e308], [0, 1]])],
    ["a sparse array", () => [, square()]], // eslint-disable-line no-sparse-arrays
  ];
  for (let i = 0; i < n; i++) {
    for (const [label, make] of bad) calls.push([`(2x2 matrices, ${label} at ${i})`, Array.from({ length: n }, (_, j) => (j === i ? make() : square()))]);
  }
  return calls;
}

// What the engine says when a lib function trusted its input: never a lib error.
const ENGINE = /is not a function|Cannot read propert|Cannot set propert|is not iterable|Cannot convert|Invalid array length|Maximum call stack|Cannot destructure|is not a constructor|Invalid typed array length|Array buffer allocation failed/;

// The checkers a learner may call in their own functions take that function's name first, and answer with it.
const CALLER_NAMED = new Set(["assertFinite", "checkOptions", "requireOptions", "checkMatmulInputs", "checkBatch", "mapBatch"]);

/** What is wrong with one outcome, or undefined. */
function defect(entry: Entry, args: unknown[], outcome: { value?: unknown; error?: unknown }): string | undefined {
  const name = CALLER_NAMED.has(entry.name) && typeof args[0] === "string" ? args[0] : entry.name;
  if ("error" in outcome) {
    const error = outcome.error;
    if (!(error instanceof Error)) return `threw a non-Error ${String(error)}`;
    if (ENGINE.test(error.message)) return `engine error: ${error.message}`;
    if (!error.message.startsWith(`${name}: `) && !error.message.startsWith(`${entry.name}: `)) return `names another: ${error.message.slice(0, 160)}`;
    return undefined;
  }
  const value = outcome.value;
  if (typeof value === "number" && !Number.isFinite(value)) return `returned ${value}`;
  // A figure (or any text) drawn from numbers that were not: "translate(NaN,0)".
  const texts = typeof value === "string" ? [value] : typeof value === "object" && value !== null ? Object.values(value).filter((v) => typeof v === "string") : [];
  if (texts.some((text) => /\bNaN\b|Infinity/.test(text))) return "returned text that shows NaN or Infinity";
  if (value instanceof Matrix && !value.data.every(Number.isFinite)) return "returned a matrix holding non-finite numbers";
  return undefined;
}

async function outcomeOf(entry: Entry, args: unknown[]): Promise<{ value?: unknown; error?: unknown }> {
  try {
    const value = entry.call(args);
    if (value instanceof Promise) return { value: await value };
    return { value };
  } catch (error) {
    return { error };
  }
}

// Methods that are no learner's to call, though TypeScript cannot make them private: GPT.forward's hooks into a KV
// cache (another class), whose errors name GPT.forward, the call they serve.
const EXCEPTIONS = new Set(["KVCache.begin", "KVCache.keep", "KVCache.attend", "KVCache.commit"]);

describe("every public function and method under bad input", () => {
  it("throws naming itself, or returns a value that is not NaN", async () => {
    const found: string[] = [];
    const swept = entries();
    for (const entry of swept) {
      for (const [label, args] of badCalls(entry.arity)) {
        const problem = defect(entry, args, await outcomeOf(entry, args));
        const key = `${entry.name}${label}`;
        if (problem !== undefined && !EXCEPTIONS.has(entry.name)) found.push(`${key}: ${problem}`);
      }
    }
    for (const stray of ["text", "null"]) if (existsSync(stray)) rmSync(stray, { recursive: true });
    expect(swept.length).toBeGreaterThan(170); // 181 when written: the enumeration finds the surface
    expect(found).toEqual([]);
  }, 300_000);
});
