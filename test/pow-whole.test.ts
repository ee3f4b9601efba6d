// powWhole: a whole power by multiplications alone, so the same bits on every engine. Node 24's ** is the C library's
// pow and Node 20's and 22's V8's own; they differ in the last bit for a few arguments in a hundred, and training must not
// use either where that bit reaches a loss.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { powWhole } from "../lib/core/pow.js";
import { repoRoot } from "./runNotebooks.js";

const bits = (x: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return `0x${view.getBigUint64(0).toString(16).padStart(16, "0")}`;
};

describe("powWhole", () => {
  it("is exact where the power is exact, and 1 and x at powers 0 and 1", () => {
    expect(powWhole(0.5, 10)).toBe(1 / 1024);
    expect(powWhole(3, 5)).toBe(243);
    expect(powWhole(-2, 3)).toBe(-8);
    expect(powWhole(0.9, 0)).toBe(1);
    expect(powWhole(0.9, 1)).toBe(0.9);
    expect(powWhole(10, 400)).toBe(Infinity);
  });

  it("gives the same bits on every engine: multiplications in a fixed order (pinned here), within 3e-14 of **", () => {
    // [x, n, the bits]: AdamW's betas at steps where Node 20's and 24's ** disagree (0.9 ** 4, 0.99 ** 6), and far on.
    const cases: [number, number, string][] = [
      [0.9, 4, "0x3fe4fec56d5cfaae"],
      [0.99, 6, "0x3fee209afa7055ec"],
      [0.999, 16, "0x3fef7de80e3e9723"],
      [0.9, 1200, "0x3488306bcd1a1875"],
      [0.99, 2000, "0x3e200271b15e2abb"],
    ];
    for (const [x, n, pinned] of cases) {
      expect(bits(powWhole(x, n)), `${x} to the ${n}`).toBe(pinned);
      expect(Math.abs(powWhole(x, n) / x ** n - 1)).toBeLessThan(3e-14);
    }
  });

  it("refuses a power that is not a whole number >= 0", () => {
    expect(() => powWhole(0.9, 1.5)).toThrow("powWhole: expected a number and a whole power >= 0, got 0.9 and 1.5");
    expect(() => powWhole(0.9, -1)).toThrow("powWhole: expected a number and a whole power >= 0, got 0.9 and -1");
    expect(() => powWhole("2" as unknown as number, 2)).toThrow('powWhole: expected a number and a whole power >= 0, got "2" and 2');
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
