// Cell metadata "volatile": text that changes from run to run (a timing) is masked in --check, the rest compared.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, runNotebooks } from "./runNotebooks.js";

const timeout = 120_000;
const fixture = readFileSync(join(repoRoot, "test/fixtures/volatile.ipynb"), "utf8");

async function checkCopy(text: string): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "notebook-volatile-"));
  try {
    const copy = join(dir, "volatile.ipynb");
    writeFileSync(copy, text);
    return await runNotebooks(["--check", copy]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("volatile outputs", () => {
  it("pass when only the masked timing differs", async () => {
    const { code, output } = await runNotebooks(["--check", "test/fixtures/volatile.ipynb"]);
    expect(code, output).toBe(0);
    expect(output).toBe("test/fixtures/volatile.ipynb: ok\n");
  }, timeout);

  it("are stale when the text around the timing differs", async () => {
    const { code, output } = await checkCopy(fixture.replace("sum 500500 in", "sum 500501 in"));
    expect(code).toBe(1);
    expect(output).toContain("volatile.ipynb cell 1; run npm run notebooks:refresh");
    expect(output).toContain("sum 500501 in 1000.123 ms");
  }, timeout);

  it("are compared in full without the metadata", async () => {
    const { code } = await checkCopy(fixture.replace(/"volatile": \[\s*"in \[0-9\.\]\+ ms"\s*\]/, ""));
    expect(code).toBe(1);
  }, timeout);

  it("name the cell whose expressions are malformed", async () => {
    const { code, output } = await checkCopy(fixture.replace('"in [0-9.]+ ms"', '"in [0-9.+ ms"'));
    expect(code).toBe(1);
    expect(output).toContain("volatile.ipynb cell 1: metadata 'volatile' has a bad regular expression");
  }, timeout);
});
