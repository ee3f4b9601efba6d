// The notebook runner catches what nbconvert lets through: failing cells, type errors, stale outputs.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { notebookOutputs } from "./notebookOutputs.js";
import { floorSeconds } from "./notebookBudgets.js";
import { repoRoot, runNotebooks } from "./runNotebooks.js";

// A fixture notebook is small, but its fresh kernel alone takes tens of seconds on a contended CPU: the floor of a
// series notebook's budget.
const timeout = floorSeconds * 1000;

describe("notebook runner", () => {
  it("passes a notebook whose committed outputs match a fresh run", async () => {
    const { code, output } = await runNotebooks(["--check", "test/fixtures/good.ipynb"]);
    expect(code, output).toBe(0);
    expect(output).toBe("test/fixtures/good.ipynb: ok\n");
  }, timeout);

  it("reports the cell that throws, with tslab's error text, and fails", async () => {
    const { code, output } = await runNotebooks(["--check", "test/fixtures/throws.ipynb"]);
    expect(code).toBe(1);
    expect(output).toContain("test/fixtures/throws.ipynb cell 2: evalmachine.<anonymous>:2\n");
    expect(output).toContain("Error: the second cell fails on purpose\n");
    expect(output).toContain("(status 'error'; later cells did not run)");
  }, timeout);

  it("reports a type error as the failing cell", async () => {
    const { code, output } = await runNotebooks(["--check", "test/fixtures/type-error.ipynb"]);
    expect(code).toBe(1);
    expect(output).toContain("test/fixtures/type-error.ipynb cell 2: 1:7 - Type 'string' is not assignable to type 'number'.\n");
  }, timeout);

  it("reports stale outputs with a diff and fails", async () => {
    const { code, output } = await runNotebooks(["--check", "test/fixtures/stale.ipynb"]);
    expect(code).toBe(1);
    expect(output).toContain("stale outputs in test/fixtures/stale.ipynb cell 1; run npm run notebooks:refresh\n");
    expect(output).toContain('-   "text": "5\\n"');
    expect(output).toContain('+   "text": "4\\n"');
  }, timeout);

  it("refreshes stale outputs into a file that then checks clean", async () => {
    const dir = mkdtempSync(join(tmpdir(), "notebook-runner-"));
    const copy = join(dir, "stale.ipynb");
    try {
      copyFileSync(join(repoRoot, "test/fixtures/stale.ipynb"), copy);
      const written = await runNotebooks(["--write", copy]);
      expect(written.code, written.output).toBe(0);
      expect(notebookOutputs(copy)).toEqual(["4\n"]);
      expect(readFileSync(copy, "utf8").endsWith("}\n")).toBe(true);
      const checked = await runNotebooks(["--check", copy]);
      expect(checked.code, checked.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, timeout);

  it("saves the kernelspec's names in the metadata, as Jupyter does on opening, and calls other names stale", async () => {
    // Inside the repository, where the notebook's import of "thelittlebaby" resolves.
    mkdirSync(join(repoRoot, "test-results"), { recursive: true });
    const dir = mkdtempSync(join(repoRoot, "test-results", "notebook-metadata-"));
    const label = relative(repoRoot, join(dir, "good.ipynb"));
    const copy = join(dir, "good.ipynb");
    try {
      const text = readFileSync(join(repoRoot, "test/fixtures/good.ipynb"), "utf8");
      writeFileSync(copy, text.replace('"display_name": "TypeScript"', '"display_name": "TypeScript (tslab)"'));
      const checked = await runNotebooks(["--check", copy]);
      expect(checked.code).toBe(1);
      expect(checked.output).toContain(`stale outputs in ${label} its metadata or formatting`);
      expect(checked.output).toContain('-   "display_name": "TypeScript (tslab)",');
      const written = await runNotebooks(["--write", copy]);
      expect(written.code, written.output).toBe(0);
      expect(readFileSync(copy, "utf8")).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, timeout);

  it("writes an HTML page per notebook and an index linking them in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "notebook-html-"));
    try {
      const { code, output } = await runNotebooks(["--html", dir, "test/fixtures/good.ipynb", "test/fixtures/stale.ipynb"]);
      expect(code, output).toBe(0);
      const index = readFileSync(join(dir, "index.html"), "utf8");
      expect(index).toContain('<li><a href="good.html">A notebook that runs</a></li>\n<li><a href="stale.html">Outputs that no longer match the code</a></li>');
      expect(index).toContain("<style>");
      const page = readFileSync(join(dir, "good.html"), "utf8");
      // Links between notebooks lead to their pages; the nav line links the index and the next page.
      expect(page).toContain('<a href="stale.html#Outputs-that-no-longer-match-the-code">next notebook</a>');
      expect(page).not.toContain(".ipynb\"");
      expect(page).toContain('<nav class="site">');
      // Its scripts are its own: MathJax is copied next to it, nothing is loaded from elsewhere.
      expect(page).toContain('<script src="assets/mathjax-tex-svg-full.js">');
      expect(readFileSync(join(dir, "assets", "mathjax-tex-svg-full.js"), "utf8")).toContain("MathJax");
      expect(page).not.toMatch(/<script[^>]*src="(https?:|\/\/)/);
      // Nothing points at files of the machine that built it (Debian's nbconvert uses /usr/share/javascript).
      expect(page).not.toMatch(/file:\/\/|\/usr\/share\/|\/root\/|\/home\//);
      expect(page).not.toContain(repoRoot);
      expect(page).toContain("score 0.9995");
      // The heatmap survives as an image of the whole SVG, not as its text stripped of the drawing.
      expect(page).toMatch(/<img [^>]*src="data:image\/svg\+xml;base64,/);
      expect(page).not.toContain("<svg");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, timeout);

  it("reads the text each code cell printed", () => {
    expect(notebookOutputs("test/fixtures/good.ipynb")).toEqual(["Your journey starts with one step\n", "score 0.9995\n1.00\n", ""]);
  });
});
