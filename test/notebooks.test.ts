// Every notebook of the numbered series runs without a failing cell and its committed outputs are up to date.
// A learner's own notebooks (notebooks/my-notebooks/, or any name without a number) are not part of it.
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { seriesNotebooks } from "../scripts/repo.mjs";
import { repoRoot, runNotebooks } from "./runNotebooks.js";

const notebooks = seriesNotebooks().map((path) => basename(path));
const perNotebook = 20 * 60 * 1000; // the runner allows 600 s per cell; a notebook is a few cells

describe("notebooks", () => {
  it("can run: a Python with nbclient finds the tslab kernel", async () => {
    const { code, output } = await runNotebooks(["--doctor"]);
    expect(code, output).toBe(0);
    expect(output).toContain(`kernel tslab: ${join(repoRoot, ".jupyter", "kernels", "tslab")}`);
  }, 60_000);

  for (const name of notebooks) {
    it(`${name} runs and its outputs are current`, async () => {
      const { code, output } = await runNotebooks(["--check", `notebooks/${name}`]);
      expect(code, output).toBe(0);
      expect(output).toContain(`notebooks/${name}: ok`);
    }, perNotebook);
  }
});
