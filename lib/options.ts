// Options objects, checked: a learner's misspelled `{ causa: true }` must be an error that lists what exists,
// never an option silently ignored.

/** What one option may hold. A list of strings means one of those strings. */
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
  | readonly string[];

export type OptionSpec = Readonly<Record<string, OptionKind | { kind: OptionKind; min?: number; max?: number }>>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  return typeof value;
}

function kindText(kind: OptionKind): string {
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

/**
 * Checks an options object against what `fn` takes and returns it (an empty object for undefined or null).
 * Unknown names, wrong types and out-of-range numbers are errors that name `fn`, the option and what is allowed.
 * An option set to undefined counts as not given.
 */
export function checkOptions<T extends object>(fn: string, options: T | null | undefined, spec: OptionSpec): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${fn}: options must be an object like { ${Object.keys(spec)[0] ?? ""}: ... }, got ${describe(options)}`);
  }
  const known = Object.keys(spec);
  for (const [name, value] of Object.entries(options)) {
    const entry = spec[name];
    if (entry === undefined) {
      const list = known.length === 0 ? "it takes no options" : `its options are ${known.join(", ")}`;
      throw new TypeError(`${fn}: unknown option "${name}"; ${list}`);
    }
    if (value === undefined) continue;
    const { kind, min, max } = typeof entry === "object" && !Array.isArray(entry) ? (entry as { kind: OptionKind; min?: number; max?: number }) : { kind: entry as OptionKind, min: undefined, max: undefined };
    if (!matches(kind, value)) throw new TypeError(`${fn}: option ${name} must be ${kindText(kind)}, got ${describe(value)}`);
    if (typeof value === "number" && ((min !== undefined && value < min) || (max !== undefined && value > max))) {
      const range = min !== undefined && max !== undefined ? `in [${min}, ${max}]` : min !== undefined ? `>= ${min}` : `<= ${max}`;
      throw new RangeError(`${fn}: option ${name} must be ${range}, got ${value}`);
    }
  }
  return options;
}

/** For a parameter that is not optional: a clear error when the options object itself is missing. */
export function requireOptions<T extends object>(fn: string, options: T | null | undefined, spec: OptionSpec, example: string): T {
  if (options === undefined || options === null) throw new TypeError(`${fn}: options are required, e.g. ${example}`);
  return checkOptions(fn, options, spec);
}
