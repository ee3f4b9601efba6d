// A cell that sends hundreds of outputs in a row keeps every one of them and finishes, through the notebook runner,
// with the CPU contended on purpose. test/fixtures/many-outputs.ipynb is a short stand-in for notebook 12's training
// cell (status line and loss curves redrawn at every step), then prints a thousand lines at once. Before tslab's
// sends were fixed (scripts/tslabPatch.mjs) its training cell failed here with "the kernel replied 'error' and printed
// nothing", and lines went missing; in JupyterLab the same cell ran forever (test/browser/lab.test.ts).
import { describe, expect, it } from "vitest";
import { withBusyCpu } from "./helpers/busyCpu.js";
import { runNotebooks } from "./runNotebooks.js";

const budgetSeconds = 480;

describe("many outputs in a row", () => {
  it("many-outputs.ipynb runs and its outputs are current, with two busy processes beside it", async () => {
    const { code, output } = await withBusyCpu(() => runNotebooks(["--check", "--budget", String(budgetSeconds), "test/fixtures/many-outputs.ipynb"]));
    expect(output).toBe("test/fixtures/many-outputs.ipynb: ok\n");
    expect(code).toBe(0);
  }, (budgetSeconds + 60) * 1000);
});
