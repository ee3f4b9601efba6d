// portablePow: x ** y to the last bit of V8's own pow (Node 20 and 22) on any engine. Node 24's ** is the C library's,
// which differs in the last bit for a few arguments in a hundred; training must not use it where that bit reaches a loss.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { portablePow } from "../lib/core/pow.js";
import { repoRoot } from "./runNotebooks.js";

const bits = (x: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return `0x${view.getBigUint64(0).toString(16).padStart(16, "0")}`;
};

describe("portablePow", () => {
  it("gives V8's own pow's bits, where Node 24's ** gives others", () => {
    // [x, y, the bits of Node 20 and 22's x ** y, the bits of Node 24's]
    const cases: [number, number, string, string][] = [
      [0.9, 4, "0x3fe4fec56d5cfaae", "0x3fe4fec56d5cfaad"],
      [0.99, 6, "0x3fee209afa7055ec", "0x3fee209afa7055ed"],
      [0.999, 16, "0x3fef7de80e3e9722", "0x3fef7de80e3e9721"],
      [0.95, 10, "0x3fe328da5e9df382", "0x3fe328da5e9df383"],
      [10, -5, "0x3ee4f8b588e368f0", "0x3ee4f8b588e368f1"],
    ];
    for (const [x, y, v8, libc] of cases) {
      expect(bits(portablePow(x, y)), `${x} ** ${y}`).toBe(v8);
      expect(v8).not.toBe(libc);
    }
  });

  it("agrees with both where they agree: a subnormal result, |y| above 2^31, a negative base, special values", () => {
    expect(bits(portablePow(3.7, -562.25))).toBe("0x0000000000001ab4");
    expect(bits(portablePow(1.0000001, 2 ** 31 * 3))).toBe("0x7a05d8082b50ad70");
    expect(bits(portablePow(0.999, 12345))).toBe("0x3ed22391fb94567e");
    expect(bits(portablePow(-0.9, 5))).toBe("0xbfe2e54b48d3ae69");
    expect(portablePow(-2, 0.5)).toBeNaN();
    expect(portablePow(2, 1e6)).toBe(Infinity);
    expect(Object.is(portablePow(-0.5, 1e6 + 1), -0)).toBe(true);
    expect(portablePow(0, -1)).toBe(Infinity);
    expect(portablePow(1, Infinity)).toBeNaN();
    expect(() => portablePow("2" as unknown as number, 2)).toThrow("portablePow: expected two numbers, got string and number");
  });

  // Node 20 and 22 compute ** with the same algorithm: there, 100,000 random arguments must match it bit for bit.
  it.runIf(Number(process.versions.node.split(".")[0]) < 24)("matches this engine's ** (V8's own pow) on random arguments", () => {
    let state = 0x2545f491;
    const next = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    let differing = 0;
    for (let k = 0; k < 100_000; k++) {
      const x = k % 2 === 0 ? next() * 4 : (next() - 0.5) * 40;
      const y = k % 3 === 0 ? Math.round((next() - 0.5) * 4000) : (next() - 0.5) * 600;
      if (!Object.is(portablePow(x, y), x ** y)) differing++;
    }
    expect(differing).toBe(0);
  });

  it("is what training uses: no ** or Math.pow in lib/gpt, whose seeded runs must agree on every Node", () => {
    const offending: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (entry.name.endsWith(".ts")) {
          readFileSync(path, "utf8").split("\n").forEach((line, i) => {
            const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "").replace(/\/\*\*.*$/, "");
            if (/\*\*(?!\/)|Math\.pow\b/.test(code)) offending.push(`${path.slice(repoRoot.length + 1)}:${i + 1}`);
          });
        }
      }
    };
    visit(join(repoRoot, "lib", "gpt"));
    expect(offending).toEqual([]);
  });
});
