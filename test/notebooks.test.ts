// Every notebook of the numbered series runs without a failing cell and its committed outputs are up to date.
// A learner's own notebooks (notebooks/my-notebooks/, or any name without a number) are not part of it.
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { seriesNotebooks } from "../scripts/repo.mjs";
import { notebookBudgetSeconds } from "./notebookBudgets.js";
import { repoRoot, runNotebooks } from "./runNotebooks.js";

const notebooks = seriesNotebooks().map((path) => basename(path));

describe("notebooks", () => {
  it("can run: a Python with nbclient finds the tslab kernel", async () => {
    const { code, output } = await runNotebooks(["--doctor"]);
    expect(code, output).toBe(0);
    expect(output).toContain(`kernel tslab: ${join(repoRoot, ".jupyter", "kernels", "tslab")}`);
  }, 60_000);

  for (const name of notebooks) {
    // A hang fails within the notebook's budget, naming the cell and what it last printed; the test allows
    // two minutes more for the kernel to start and stop and the outputs to be compared.
    const budget = notebookBudgetSeconds(name);
    it(`${name} runs and its outputs are current`, async () => {
      const { code, output } = await runNotebooks(["--check", "--budget", String(budget), `notebooks/${name}`]);
      expect(code, output).toBe(0);
      expect(output).toContain(`notebooks/${name}: ok`);
    }, (budget + 120) * 1000);
  }
});
