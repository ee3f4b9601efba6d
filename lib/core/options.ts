// Options objects, checked: a learner's misspelled `{ causa: true }` must be an error that lists what exists,
// never an option silently ignored.

/** A kind the checker does not know by name: a test and how to say what it wants, e.g. "a Matrix". */
export interface CustomKind {
  readonly test: (value: unknown) => boolean;
  readonly text: string;
  /** What to do instead, for a value that fails the test, e.g. "use Matrix.from(...)" for an array. */
  readonly hint?: (value: unknown) => string | undefined;
}

/** What one option may hold. A list of strings means one of those strings; anyOf means any of those kinds. */
export type OptionKind =
  | "boolean"
  | "number"
  | "finite"
  | "integer"
  | "string"
  | "function"
  | "object"
  | "strings"
  | "numbers"
  | readonly string[]
  | CustomKind
  | { readonly anyOf: readonly OptionKind[] };

/** An option's kind with bounds: min/max inclusive, greater/less exclusive; required: it must be given. */
export interface OptionRule {
  kind: OptionKind;
  min?: number;
  max?: number;
  greater?: number;
  less?: number;
  required?: boolean;
}

export type OptionSpec = Readonly<Record<string, OptionKind | OptionRule>>;

/** How checkOptions words its errors: what one entry is called ("option", "weight"), and a hint per known mistake. */
export interface OptionWording {
  /** "option" by default; e.g. "weight" for { wq, wk, wv }. */
  what?: string;
  /** A hint for a name that is not an option, e.g. { causa: "did you mean causal?" }; a function words it from the value given. */
  hints?: Readonly<Record<string, string | ((value: unknown) => string)>>;
}

/** A value as an error message shows it: 5n as "bigint 5n", a string quoted, an array as "an array". */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `bigint ${String(value)}n`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name && name !== "Object" ? `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}` : "an object";
  }
  return typeof value;
}

const isCustom = (kind: OptionKind): kind is CustomKind => typeof kind === "object" && "test" in kind;
const isAnyOf = (kind: OptionKind): kind is { readonly anyOf: readonly OptionKind[] } => typeof kind === "object" && "anyOf" in kind;

function kindText(kind: OptionKind): string {
  if (isCustom(kind)) return kind.text;
  if (isAnyOf(kind)) return kind.anyOf.map(kindText).join(" or ");
  if (Array.isArray(kind)) return `one of ${kind.map((k) => JSON.stringify(k)).join(", ")}`;
  switch (kind) {
    case "finite":
      return "a finite number";
    case "integer":
      return "an integer";
    case "strings":
      return "an array of strings";
    case "numbers":
      return "an array of finite numbers";
    case "object":
      return "an object";
    default:
      return `a ${kind as string}`;
  }
}

function matches(kind: OptionKind, value: unknown): boolean {
  if (isCustom(kind)) return kind.test(value);
  if (isAnyOf(kind)) return kind.anyOf.some((k) => matches(k, value));
  if (Array.isArray(kind)) return typeof value === "string" && kind.includes(value);
  switch (kind) {
    case "number":
      return typeof value === "number" && !Number.isNaN(value);
    case "finite":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "strings":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "numbers":
      return Array.isArray(value) && value.every((v) => typeof v === "number" && Number.isFinite(v));
    case "object":
      return typeof value === "object" && value !== null;
    default:
      return typeof value === kind;
  }
}

// Edit distance, to suggest "causal" for "causa" or "kernel" for "kernal".
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Checks an options object against what `fn` takes and returns it (an empty object for undefined or null).
 * Unknown names, wrong types and out-of-range numbers are errors that name `fn`, the option and what is allowed.
 * An option set to undefined counts as not given.
 */
export function checkOptions<T extends object>(fn: string, options: T | null | undefined, spec: OptionSpec, wording: OptionWording = {}): T {
  checkCallerName("checkOptions", fn);
  if (typeof spec !== "object" || spec === null) throw new TypeError(`checkOptions: spec must be an object of the options' kinds, e.g. { causal: "boolean" }, got ${describe(spec)}`);
  if (options === undefined || options === null) return {} as T;
  const what = wording.what ?? "option";
  const known = Object.keys(spec);
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${fn}: ${what}s must be an object like { ${known[0] ?? ""}: ... }, got ${describe(options)}`);
  }
  for (const [name, value] of Object.entries(options)) {
    const entry = spec[name];
    if (entry === undefined) {
      const list = known.length === 0 ? `it takes no ${what}s` : `its ${what}s are ${known.join(", ")}`;
      const guess = closest(name, known);
      const given = wording.hints?.[name];
      const hint = typeof given === "function" ? given(value) : given ?? (guess === undefined ? undefined : `did you mean ${guess}?`);
      throw new TypeError(`${fn}: unknown ${what} "${name}"; ${list}${hint === undefined ? "" : ` (${hint})`}`);
    }
    if (value === undefined) continue;
    const rule = ruleOf(entry);
    if (!matches(rule.kind, value)) {
      const hint = isCustom(rule.kind) ? rule.kind.hint?.(value) : undefined;
      throw new TypeError(`${fn}: ${what} ${name} must be ${kindText(rule.kind)}, got ${describe(value)}${hint === undefined ? "" : `: ${hint}`}`);
    }
    if (typeof value === "number" && !inRange(rule, value)) throw new RangeError(`${fn}: ${what} ${name} must be ${rangeText(rule)}, got ${value}`);
  }
  for (const name of known) {
    if (ruleOf(spec[name]).required === true && (options as Record<string, unknown>)[name] === undefined) {
      throw new TypeError(`${fn}: ${what} ${name} is required; ${what}s ${known.filter((k) => ruleOf(spec[k]).required === true).join(", ")} must be given`);
    }
  }
  return options;
}

function ruleOf(entry: OptionKind | OptionRule): OptionRule {
  return typeof entry === "object" && "kind" in entry ? entry : { kind: entry };
}

function inRange({ min, max, greater, less }: OptionRule, value: number): boolean {
  return !((min !== undefined && value < min) || (max !== undefined && value > max) || (greater !== undefined && !(value > greater)) || (less !== undefined && !(value < less)));
}

// "in [0, 1)", ">= 0", "> 0": the bounds of a rule as a reader writes them.
function rangeText({ min, max, greater, less }: OptionRule): string {
  const low = min !== undefined ? `[${min}` : greater !== undefined ? `(${greater}` : undefined;
  const high = max !== undefined ? `${max}]` : less !== undefined ? `${less})` : undefined;
  if (low !== undefined && high !== undefined) return `in ${low}, ${high}`;
  if (low !== undefined) return `${min !== undefined ? ">=" : ">"} ${min ?? greater}`;
  return `${max !== undefined ? "<=" : "<"} ${max ?? less}`;
}

/** For a parameter that is not optional: a clear error when the options object itself is missing. */
export function requireOptions<T extends object>(fn: string, options: T | null | undefined, spec: OptionSpec, example: string, wording: OptionWording = {}): T {
  checkCallerName("requireOptions", fn);
  if (typeof example !== "string") throw new TypeError(`requireOptions: example must be a string, e.g. "{ steps: 10 }", got ${describe(example)}`);
  if (options === undefined || options === null) throw new TypeError(`${fn}: ${wording.what ?? "option"}s are required, e.g. ${example}`);
  return checkOptions(fn, options, spec, wording);
}

/**
 * The checkers a learner may use in their own functions (checkOptions, checkBatch, ...) take that function's name
 * first, and their errors begin with it: it must be a name, or they would answer as "undefined: ...".
 */
export function checkCallerName(checker: string, op: unknown): asserts op is string {
  if (typeof op !== "string" || op === "") {
    throw new TypeError(`${checker}: the first argument is the name of the function whose input is checked, e.g. "myAttention", got ${describe(op)}`);
  }
}
