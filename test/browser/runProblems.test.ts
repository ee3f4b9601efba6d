// What the browser test reports from a run, on made-up runs: each problem names the notebook and the cell.
import { describe, expect, it } from "vitest";
import { runProblems, type CellReport, type RunReport } from "./jupyterLab.js";

const picture = { width: 320, height: 200, elements: 40 };

function cell(number: number, fields: Partial<CellReport> = {}): CellReport {
  return { number, executionCount: number, errors: [], mimes: [], texts: [], pictures: [], ...fields };
}

function run(cells: CellReport[], consoleErrors: string[] = []): RunReport {
  return { cells, runMs: 1000, consoleErrors };
}

describe("runProblems", () => {
  it("passes a clean run whose pictures are all drawn", () => {
    expect(runProblems("notebooks/01-a.ipynb", run([cell(1), cell(2, { pictures: [picture] })]), [0, 1])).toEqual([]);
  });

  it("names the failing cell with its error, without tslab's own stack frames, and the cells that did not run", () => {
    const error = "evalmachine.<anonymous>:2\nError: boom\n    at evalmachine.<anonymous>:2:7\n    at Script.runInContext (node:vm:149:12)\n";
    const report = run([cell(1), cell(2, { errors: [error] }), cell(3, { executionCount: null })]);
    expect(runProblems("notebooks/01-a.ipynb", report, [])).toEqual([
      "notebooks/01-a.ipynb cell 2: evalmachine.<anonymous>:2\nError: boom\n    at evalmachine.<anonymous>:2:7",
      "notebooks/01-a.ipynb: cells 3 did not run",
    ]);
  });

  it("names a cell whose saved picture is missing or blank, and every console error", () => {
    const blank = { width: 0, height: 0, elements: 0 };
    const report = run([cell(1, { pictures: [blank] }), cell(2)], ["Failed to load resource"]);
    expect(runProblems("notebooks/01-a.ipynb", report, [1, 1])).toEqual([
      `notebooks/01-a.ipynb cell 1: shows 0 of its 1 pictures (${JSON.stringify([blank])})`,
      "notebooks/01-a.ipynb cell 2: shows 0 of its 1 pictures ([])",
      "notebooks/01-a.ipynb: console error: Failed to load resource",
    ]);
  });
});
