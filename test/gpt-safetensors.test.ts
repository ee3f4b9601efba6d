// The .safetensors format: the bytes the reference library writes, round trips to the bit, and errors that say what is wrong.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from "../lib/index.js";

// Written by Hugging Face's safetensors 0.8.0 (scripts/safetensors_fixture.py).
const referencePath = join(import.meta.dirname, "fixtures", "gpt", "reference.safetensors");
const referenceTensors = {
  "b.weight": { shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0.25, 1e-8, -0]) },
  a: { shape: [2], data: new Float64Array([Math.PI, -1 / 3]) },
  c: { shape: [0, 3], data: new Float32Array(0) },
};
const referenceMetadata = { config: '{"x": 1}', note: "h\u00e9llo" };

function headerOf(bytes: Uint8Array): string {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(bytes.subarray(8, 8 + length));
}

describe("reading what the reference library writes", () => {
  const file = readSafetensors(referencePath);

  it("reads every tensor with its dtype, shape and values, in the order of the bytes", () => {
    expect([...file.tensors.keys()]).toEqual(["a", "b.weight", "c"]);
    expect(file.tensors.get("a")).toEqual({ dtype: "F64", shape: [2], data: new Float64Array([Math.PI, -1 / 3]) });
    expect(file.tensors.get("b.weight")).toEqual({ dtype: "F32", shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0.25, 1e-8, -0]) });
    expect(Object.is(file.tensors.get("b.weight")!.data[5], -0)).toBe(true);
    expect(file.tensors.get("c")).toEqual({ dtype: "F32", shape: [0, 3], data: new Float32Array(0) });
  });

  it("widens float16 to float32 exactly (1, -2, the largest, the smallest subnormal, 0.1 rounded)", () => {
    const h = readSafetensors(join(import.meta.dirname, "fixtures", "gpt", "reference-f16.safetensors")).tensors.get("h")!;
    expect(h.dtype).toBe("F16");
    expect(Array.from(h.data)).toEqual([1, -2, 65504, 2 ** -24, 0.0999755859375]);
  });

  it("reads the metadata strings, UTF-8 included", () => {
    expect(file.metadata).toEqual(referenceMetadata);
  });
});

describe("writing", () => {
  it("writes the reference library's bytes for the same tensors (F64 first, then by name; header padded with spaces)", () => {
    const reference = readFileSync(referencePath);
    expect(reference.length).toBe(280);
    expect(Buffer.from(encodeSafetensors(referenceTensors, referenceMetadata)).equals(reference)).toBe(true);
  });

  it("pads the header with spaces to a multiple of 8 and records the padded length", () => {
    const bytes = encodeSafetensors({ a: { shape: [2], data: new Float32Array([1, -2]) } });
    const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(json.length).toBe(54);
    expect(headerOf(bytes)).toBe(json + "  ");
    expect(bytes.length).toBe(8 + 56 + 8);
    expect(Array.from(bytes.subarray(64))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  });

  it("round-trips float32 and float64 values to the bit, metadata included", () => {
    const dir = mkdtempSync(join(tmpdir(), "safetensors-"));
    const wide = new Float64Array([Number.MIN_VALUE, -Number.MAX_VALUE, 0.1, -0, 1 / 3]);
    const narrow = new Float32Array([Math.fround(0.1), -3.4028234663852886e38, 1.401298464324817e-45, 7]);
    writeSafetensors(join(dir, "t.safetensors"), new Map([["w", { shape: [5], data: wide }], ["n", { shape: [2, 2], data: narrow }]]), { step: "20" });
    const back = readSafetensors(join(dir, "t.safetensors"));
    expect(back.tensors.get("w")!.data).toEqual(wide);
    expect(Object.is(back.tensors.get("w")!.data[3], -0)).toBe(true);
    expect(back.tensors.get("n")).toEqual({ dtype: "F32", shape: [2, 2], data: narrow });
    expect(back.metadata).toEqual({ step: "20" });
  });

  it("refuses data that does not fill its shape, and non-string metadata", () => {
    expect(() => encodeSafetensors({ w: { shape: [2, 3], data: new Float32Array(5) } })).toThrow("encodeSafetensors: tensor w: shape [2, 3] holds 6 values, data has 5");
    expect(() => encodeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow('"__metadata__" cannot name a tensor');
    expect(() => encodeSafetensors({}, { step: 3 as unknown as string })).toThrow("encodeSafetensors: metadata step must be a string, got number");
  });
});

describe("reading bad files", () => {
  const good = encodeSafetensors({ w: { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } });

  /** A file with this JSON header (padded) and `data` bytes after it. */
  function fileWith(header: object, dataBytes: number): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length + dataBytes);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    return bytes;
  }

  it("names a file too short to hold the header length", () => {
    expect(() => decodeSafetensors(good.subarray(0, 5), "model.safetensors")).toThrow(
      "model.safetensors: 5 bytes is too short for a .safetensors file (truncated?)",
    );
  });

  it("names a header length that runs past the end", () => {
    const headerLength = good.length - 8 - 16;
    expect(() => decodeSafetensors(good.subarray(0, 40), "m.safetensors")).toThrow(
      `m.safetensors: the header length ${headerLength} runs past the end of the file (32 bytes follow it)`,
    );
  });

  it("names the tensor whose bytes are cut off by a truncated file", () => {
    expect(() => decodeSafetensors(good.subarray(0, good.length - 4), "m.safetensors")).toThrow(
      "m.safetensors: tensor w: data_offsets [0, 16] run past the end of the data (12 bytes after the header): truncated file?",
    );
  });

  it("names a tensor whose byte range does not match its shape", () => {
    const bytes = fileWith({ w: { dtype: "F32", shape: [2, 3], data_offsets: [0, 20] } }, 24);
    expect(() => decodeSafetensors(bytes)).toThrow("tensor w: shape [2, 3] of F32 needs 24 bytes, its data_offsets [0, 20] hold 20");
  });

  it("names an unknown dtype and lists the known ones", () => {
    const bytes = fileWith({ w: { dtype: "Q7", shape: [1], data_offsets: [0, 1] } }, 1);
    expect(() => decodeSafetensors(bytes)).toThrow('tensor w has dtype "Q7", which this reader does not know (it reads F64, F32, BF16, F16)');
  });

  it("reads bfloat16 as the top half of a float32", () => {
    const bytes = fileWith({ x: { dtype: "BF16", shape: [3], data_offsets: [0, 6] } }, 6);
    const at = bytes.length - 6;
    new DataView(bytes.buffer).setUint16(at, 0x3f80, true);
    new DataView(bytes.buffer).setUint16(at + 2, 0x4049, true);
    new DataView(bytes.buffer).setUint16(at + 4, 0xc000, true);
    expect(Array.from(decodeSafetensors(bytes).tensors.get("x")!.data)).toEqual([1, 3.140625, -2]);
  });

  it("names a header that is not JSON and metadata that is not strings", () => {
    const notJson = new Uint8Array(16);
    new DataView(notJson.buffer).setBigUint64(0, 8n, true);
    notJson.set(new TextEncoder().encode("{oops   "), 8);
    expect(() => decodeSafetensors(notJson)).toThrow("the 8-byte header is not UTF-8 JSON");
    expect(() => decodeSafetensors(fileWith({ __metadata__: { step: 3 } }, 0))).toThrow("__metadata__ step must be a string, got 3");
  });
});
