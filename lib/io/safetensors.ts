// The .safetensors file format (Hugging Face): an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian bytes. PyTorch, nanoGPT and the Hub read it.
import { describe } from "../core/options.js";
import { sizeOf } from "../core/shape.js";
import { readBytes, writeBytes } from "./files.js";

/** The element types this reader understands; F16 and BF16 are widened to float32 on reading. */
export type TensorDType = "F64" | "F32" | "BF16" | "F16";

/** A tensor to write: row-major data and its shape. Float64Array is written as F64, Float32Array as F32. */
export interface Tensor {
  shape: readonly number[];
  data: Float32Array | Float64Array;
}

/** A tensor read from a file, with the dtype it was stored in. */
export interface StoredTensor {
  dtype: TensorDType;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface Safetensors {
  /** The tensors in the order of their bytes in the file. */
  tensors: Map<string, StoredTensor>;
  /** The "__metadata__" string map (empty when the file has none). */
  metadata: Record<string, string>;
}

const BYTES: Record<TensorDType, number> = { F64: 8, F32: 4, BF16: 2, F16: 2 };
// The reference writer orders tensors by dtype, widest first, then by name, so that every tensor stays aligned.
const ORDER: Record<TensorDType, number> = { F64: 0, F32: 1, BF16: 2, F16: 3 };
const METADATA = "__metadata__";
/** The reference implementation's limit on the header size (100 MB). */
const MAX_HEADER = 100_000_000;


function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function tensorEntries(fn: string, tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): [string, Tensor][] {
  if (tensors === null || typeof tensors !== "object") throw new TypeError(`${fn}: tensors must be a Map (or an object) of { shape, data }, got ${describe(tensors)}`);
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, Tensor>);
  for (const [name, tensor] of entries) {
    if (name === "" || name === METADATA) throw new RangeError(`${fn}: ${JSON.stringify(name)} cannot name a tensor`);
    if (!isShape(tensor?.shape)) throw new TypeError(`${fn}: tensor ${name}: shape must be an array of non-negative integers`);
    if (!(tensor.data instanceof Float32Array || tensor.data instanceof Float64Array)) {
      throw new TypeError(`${fn}: tensor ${name}: data must be a Float32Array or a Float64Array`);
    }
    const count = sizeOf(tensor.shape);
    if (tensor.data.length !== count) {
      throw new RangeError(`${fn}: tensor ${name}: shape [${tensor.shape.join(", ")}] holds ${count} values, data has ${tensor.data.length}`);
    }
  }
  return entries;
}

/** The bytes of a .safetensors file holding these tensors and string metadata, laid out as the reference writer does. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  return encode("encodeSafetensors", tensors, metadata);
}

function encode(fn: string, tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, metadata: Readonly<Record<string, string>>): Uint8Array {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) throw new TypeError(`${fn}: metadata must be an object of strings, got ${describe(metadata)}`);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") throw new TypeError(`${fn}: metadata ${key} must be a string, got ${typeof value}`);
  }
  const list = tensorEntries(fn, tensors).map(([name, t]) => ({ name, t, dtype: (t.data instanceof Float64Array ? "F64" : "F32") as TensorDType }));
  list.sort((a, b) => ORDER[a.dtype] - ORDER[b.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA] = metadata;
  let offset = 0;
  for (const { name, t, dtype } of list) {
    const end = offset + t.data.length * BYTES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Padded with spaces to a multiple of 8, so the data that follows starts aligned.
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const { t, dtype } of list) {
    if (dtype === "F64") for (let i = 0; i < t.data.length; i++, at += 8) view.setFloat64(at, t.data[i], true);
    else for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  return bytes;
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function readValues(view: DataView, start: number, dtype: TensorDType, count: number): Float32Array | Float64Array {
  if (dtype === "F64") {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, true);
    return out;
  }
  const out = new Float32Array(count);
  if (dtype === "F32") for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, true);
  else if (dtype === "F16") for (let i = 0; i < count; i++) out[i] = float16(view.getUint16(start + 2 * i, true));
  else {
    // bfloat16 is the top half of a float32.
    const word = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < count; i++) {
      word.setUint32(0, view.getUint16(start + 2 * i, true) << 16, true);
      out[i] = word.getFloat32(0, true);
    }
  }
  return out;
}

/**
 * Reads the bytes of a .safetensors file. `source` names the file in errors (by default the function). A truncated file, a header length past
 * the end, a tensor whose byte range does not fit its shape or the file, and an unknown dtype are errors naming it.
 */
export function decodeSafetensors(bytes: Uint8Array, source = "decodeSafetensors"): Safetensors {
  const fail = (message: string): never => {
    throw new RangeError(`${source}: ${message}`);
  };
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeSafetensors: bytes must be a Uint8Array (a Buffer), got ${describe(bytes)}`);
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a .safetensors file (truncated?): it starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    fail(`the header length ${declared} runs past the end of the file (${bytes.length - 8} bytes follow it): truncated, or not a .safetensors file`);
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER) fail(`the header length ${headerLength} is over the format's limit of ${MAX_HEADER} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    fail(`the ${headerLength}-byte header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("the header is not a JSON object");

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const found: { name: string; dtype: TensorDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) fail(`${METADATA} must be a map of strings`);
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof value !== "string") fail(`${METADATA} ${key} must be a string, got ${JSON.stringify(value)}`);
        metadata[key] = value as string;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== "string" || !(dtype in BYTES)) {
      fail(`tensor ${name} has dtype ${JSON.stringify(dtype)}, which this reader does not know (it reads ${Object.keys(BYTES).join(", ")})`);
    }
    if (!isShape(shape)) fail(`tensor ${name} has shape ${JSON.stringify(shape)}, not an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail(`tensor ${name} has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as number[];
    const need = sizeOf(shape as number[]) * BYTES[dtype as TensorDType];
    if (end - begin !== need) {
      fail(`tensor ${name}: shape [${(shape as number[]).join(", ")}] of ${dtype} needs ${need} bytes, its data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    if (end > dataLength) {
      fail(`tensor ${name}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes after the header): truncated file?`);
    }
    found.push({ name, dtype: dtype as TensorDType, shape: shape as number[], begin, end });
  }
  found.sort((a, b) => a.begin - b.begin);
  // The format's rule: the tensors' byte ranges tile the data, no overlap and no hole.
  let covered = 0;
  for (const { name, begin, end } of found) {
    if (begin < covered) fail(`tensor ${name}: data_offsets [${begin}, ${end}] overlap the tensor before it, which ends at ${covered}`);
    if (begin > covered) fail(`tensor ${name}: data_offsets [${begin}, ${end}] leave bytes [${covered}, ${begin}) unused; the format allows no gap`);
    covered = end;
  }
  if (covered !== dataLength) fail(`the tensors hold ${covered} bytes of data, the file ${dataLength} after the header: the format allows no unused bytes`);
  const tensors = new Map<string, StoredTensor>();
  for (const { name, dtype, shape, begin } of found) {
    tensors.set(name, { dtype, shape, data: readValues(view, dataStart + begin, dtype, sizeOf(shape)) });
  }
  return { tensors, metadata };
}

/** Writes tensors and string metadata to a .safetensors file. */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> = {},
): void {
  writeBytes("writeSafetensors", path, encode("writeSafetensors", tensors, metadata));
}

/** Reads a .safetensors file: its tensors (F16 and BF16 widened to float32) and its metadata. */
export function readSafetensors(path: string): Safetensors {
  return decodeSafetensors(readBytes("readSafetensors", path), path);
}
