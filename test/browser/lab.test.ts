// The learner's path in a real JupyterLab and Chromium: every notebook of the series opens with the project's
// kernel, saves unchanged, and runs all its cells with no error and every picture drawn; a failing cell fails
// the test by name; live outputs update in place; a new notebook from the launcher runs the README's example.
// Screenshots: test-results/lab/screenshots/.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kernelDisplayName } from "../../scripts/kernel.mjs";
import { ownNotebooksDir, repoRoot, seriesNotebooks } from "../../scripts/repo.mjs";
import { JupyterLab, cellLimitMs, runProblems, type RunReport } from "./jupyterLab.js";

declare const window: any; // the page's, in the functions that run inside it

const work = join(repoRoot, "test-results", "lab");
// What Lab serves: a copy of notebooks/ inside the repository (so "thelittlebaby" resolves), never the committed files.
const root = join(work, "notebooks");
const shots = join(work, "screenshots");
const series = seriesNotebooks();
const fixtures = ["throws.ipynb", "live-output.ipynb"].map((name) => join(repoRoot, "test", "fixtures", name));

interface NotebookFile {
  cells: { cell_type: string; source: string | string[]; outputs?: { data?: Record<string, unknown> }[] }[];
}

function readNotebook(path: string): NotebookFile {
  return JSON.parse(readFileSync(path, "utf8")) as NotebookFile;
}

const sourceOf = (source: string | string[]) => (Array.isArray(source) ? source.join("") : source);

/** For each non-empty code cell, how many SVG pictures the committed notebook shows. */
function committedPictures(path: string): number[] {
  return readNotebook(path)
    .cells.filter((cell) => cell.cell_type === "code" && sourceOf(cell.source).trim() !== "")
    .map((cell) => (cell.outputs ?? []).filter((output) => output.data?.["image/svg+xml"] !== undefined).length);
}

function codeCellCount(path: string): number {
  return committedPictures(path).length;
}

/** A generous bound for a whole notebook: every cell may take as long as the runner allows one cell. */
const notebookTimeout = (path: string) => 120_000 + codeCellCount(path) * cellLimitMs;

let lab: JupyterLab;

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(root, "fixtures"), { recursive: true });
  mkdirSync(shots, { recursive: true });
  for (const path of series) copyFileSync(path, join(root, basename(path)));
  cpSync(ownNotebooksDir, join(root, "my-notebooks"), { recursive: true });
  for (const path of fixtures) copyFileSync(path, join(root, "fixtures", basename(path)));
  lab = await JupyterLab.start(root, join(work, "jupyter"));
}, 180_000);

afterAll(async () => {
  await lab?.stop();
});

/** Opens, checks the kernel, saves, runs all cells, and saves a screenshot; returns the run's report. */
async function openAndRun(served: string, original: string): Promise<{ report: RunReport; problems: string[] }> {
  const label = relative(repoRoot, original);
  const opened = await lab.open(served);
  expect(opened.kernelName, `${label}: kernel`).toBe("tslab");
  expect(opened.kernelShown, `${label}: kernel shown in the toolbar`).toBe(kernelDisplayName);
  expect(opened.dirty, `${label}: Lab marked the notebook changed just by opening it`).toBe(false);
  await lab.save();
  expect(readFileSync(join(root, served), "utf8"), `${label}: opening and saving it in Lab changed the file`).toBe(readFileSync(original, "utf8"));
  const report = await lab.runAll();
  const problems = runProblems(label, report, committedPictures(original));
  const failing = report.cells.find((cell) => cell.errors.length > 0)?.number;
  await lab.screenshot(join(shots, basename(served, ".ipynb") + ".png"), failing);
  await lab.close();
  const times = report.cells.length > 0 ? `${report.cells.length} code cells` : "no code cells";
  console.log(`lab: ${label} ran in ${(report.runMs / 1000).toFixed(1)} s (${times})`);
  return { report, problems };
}

describe("JupyterLab in Chromium", () => {
  it("offers the project's TypeScript kernel, running this repository's tslab", async () => {
    const specs = await lab.kernelspecs();
    expect(specs.tslab?.spec.display_name).toBe(kernelDisplayName);
    expect(specs.tslab?.spec.argv[1]).toBe(join(repoRoot, "node_modules", "tslab", "bin", "tslab"));
  });

  it("finds the numbered series to run", () => {
    expect(series.length).toBeGreaterThanOrEqual(8);
  });

  for (const path of series) {
    const name = basename(path);
    it(`${name}: opens with the TypeScript kernel, saves unchanged, runs every cell and draws every picture`, async () => {
      const { problems } = await openAndRun(name, path);
      expect(problems, problems.join("\n")).toEqual([]);
    }, notebookTimeout(path));
  }

  it("fails on a failing cell, naming the notebook, the cell and the error", async () => {
    const [throws] = fixtures;
    const { problems } = await openAndRun("fixtures/throws.ipynb", throws);
    expect(problems[0]).toMatch(/^test\/fixtures\/throws\.ipynb cell 2: evalmachine\.<anonymous>:2\n/);
    expect(problems[0]).toContain("Error: the second cell fails on purpose");
    expect(problems[1]).toBe("test/fixtures/throws.ipynb: cells 3 did not run");
  }, notebookTimeout(fixtures[0]));

  it("updates a liveOutput in place: one output per cell, showing the last value", async () => {
    const [, live] = fixtures;
    const { report, problems } = await openAndRun("fixtures/live-output.ipynb", live);
    expect(problems, problems.join("\n")).toEqual([]);
    const [, progress, curve] = report.cells;
    expect(progress.mimes).toEqual(["text/plain"]);
    expect(progress.texts).toEqual(["step 10 of 10"]);
    expect(curve.mimes).toEqual(["image/svg+xml"]);
    expect(curve.pictures).toHaveLength(1);
    expect(curve.pictures[0].elements).toBeGreaterThan(0);
  }, notebookTimeout(fixtures[1]));

  it("creates a notebook from the launcher in my-notebooks/, runs the README's example and shows the heatmap", async () => {
    const example = /## Use the lib in a notebook of your own[\s\S]*?```ts\n([\s\S]*?)```/.exec(readFileSync(join(repoRoot, "README.md"), "utf8"))?.[1];
    expect(example, "the README's example").toBeDefined();
    const { page } = lab;
    await page.evaluate(() => window.jupyterapp.commands.execute("filebrowser:activate"));
    await page.locator(".jp-DirListing-item", { hasText: "my-notebooks" }).first().dblclick();
    await page.locator(".jp-FileBrowser .jp-BreadCrumbs", { hasText: "my-notebooks" }).waitFor();
    await page.locator('.jp-FileBrowser [data-command="launcher:create"]').click();
    await page.locator(`.jp-LauncherCard[data-category="Notebook"][title="${kernelDisplayName}"]:visible`).click();
    await page.waitForFunction(() => {
      const widget = window.jupyterapp.shell.currentWidget;
      return widget?.context?.path?.startsWith("my-notebooks/") && widget.sessionContext.session?.kernel?.status === "idle";
    }, null, { timeout: 120_000 });
    await page.evaluate(() => {
      window.testNotebook = window.jupyterapp.shell.currentWidget;
    });
    await page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .cm-content").first().click();
    await page.keyboard.insertText(example!);
    await page.keyboard.press("Shift+Enter");
    await page.waitForFunction(() => window.testNotebook.sessionContext.session?.kernel?.status === "idle" && window.testNotebook.content.widgets[0].model.executionCount === 1, null, { timeout: 120_000 });
    const report = await lab.runAll(); // the one cell again, through Run All, to read it back the same way
    await page.keyboard.press("Control+s");
    // On the first save of an untitled notebook, Lab offers to rename it: keep the name.
    const rename = page.locator(".jp-Dialog .jp-mod-accept");
    await rename.waitFor({ timeout: 5_000 }).then(() => rename.click(), () => undefined);
    await page.waitForFunction(() => !window.testNotebook.context.model.dirty, null, { timeout: 30_000 });
    await lab.screenshot(join(shots, "my-notebooks-Untitled.png"));
    const path = await page.evaluate(() => window.testNotebook.context.path as string);
    await lab.close();
    expect(runProblems("the README's example", report, [1])).toEqual([]);
    expect(report.cells[0].texts.join("")).toContain("journey");
    expect(path).toMatch(/^my-notebooks\/Untitled\d*\.ipynb$/);
    expect(existsSync(join(root, path))).toBe(true);
    expect(readNotebook(join(root, path)).cells.length).toBeGreaterThan(0);
  }, 300_000);
});
