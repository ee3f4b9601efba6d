// JupyterLab in Debian's Chromium, driven by Playwright: start Lab the way `npm start` does, open a notebook,
// run all its cells, and read back what each cell shows. One server and one browser serve a whole test file.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { findJupyter, jupyterInstallLine } from "../../scripts/findJupyter.mjs";
import { registerKernel } from "../../scripts/kernel.mjs";
import { jupyterLaunch } from "../../scripts/launch.mjs";
import { freePort } from "../../scripts/port.mjs";

// The page's globals, for the functions that run inside it (this project type-checks without the DOM library).
declare const window: any;
declare const DOMParser: any;

/** Debian's Chromium (apt-get install chromium); Playwright's own browser downloads are never used. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** How much of a cell's last output a hung notebook's error quotes. */
const lastShownChars = 300;
/**
 * A cell runs but its kernel has used next to no CPU for this long (under `kernelIdleTicks`: zeromq's threads use a
 * little while it sleeps): it waits for something that will not come (a lost message, say), which no load explains,
 * since a busy machine slows a kernel that computes but never stops it.
 */
export const kernelIdleLimitMs = 120_000;
const kernelIdleTicks = 50; // 0.5 s of CPU: /proc counts 100 ticks a second

/** CPU time a process has used (utime + stime from /proc, in clock ticks); undefined where there is no /proc. */
function cpuTicks(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** The process id of the kernel whose connection file is kernel-<id>.json, found in /proc; undefined if none. */
function kernelPid(kernelId: string): number | undefined {
  const connectionFile = `kernel-${kernelId}.json`;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(connectionFile)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

export interface CellReport {
  /** The N-th non-empty code cell, as the runner counts: In [N] after a fresh run. */
  number: number;
  executionCount: number | null;
  /** Text of stderr and error outputs: tslab reports a failing cell only this way. */
  errors: string[];
  /** The MIME type of each output shown, in order. */
  mimes: string[];
  /** The text each output shows. */
  texts: string[];
  /** Each SVG picture shown: decoded size in pixels and how many drawing elements it holds. */
  pictures: { width: number; height: number; elements: number }[];
}

export interface RunReport {
  cells: CellReport[];
  /** Wall time of Run All, in milliseconds. */
  runMs: number;
  /** Console errors and uncaught page errors while the notebook was open. */
  consoleErrors: string[];
}

export class JupyterLab {
  private consoleErrors: string[] = [];

  private constructor(
    readonly url: string,
    readonly token: string,
    private readonly server: ChildProcess,
    private readonly browser: Browser,
    readonly page: Page,
  ) {
    page.on("console", (message) => {
      if (message.type() === "error") this.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => this.consoleErrors.push(`uncaught ${error.name}: ${error.message}`));
  }

  /**
   * Starts JupyterLab serving `root` on a free localhost port, with the project's kernel on JUPYTER_PATH as
   * `npm start` has it, and Jupyter's own config, data and runtime folders under `stateDir` so that no user setting
   * changes what the test sees. Then opens Lab in Chromium.
   */
  static async start(root: string, stateDir: string): Promise<JupyterLab> {
    const found = findJupyter();
    if (found?.app !== "lab") throw new Error(`JupyterLab is not installed; install it with: ${jupyterInstallLine}`);
    if (!existsSync(chromiumPath)) throw new Error(`Chromium is not at ${chromiumPath}: sudo apt-get install chromium (or set CHROMIUM_PATH)`);
    registerKernel(); // as npm start does
    const port = await freePort();
    const token = randomBytes(16).toString("hex");
    for (const dir of ["config", "data", "runtime"]) mkdirSync(join(stateDir, dir), { recursive: true });
    // No "get notified about Jupyter news?" toast over the screenshots.
    const notifications = join(stateDir, "config", "lab", "user-settings", "@jupyterlab", "apputils-extension");
    mkdirSync(notifications, { recursive: true });
    writeFileSync(join(notifications, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false" }));
    const env = {
      ...process.env,
      JUPYTER_CONFIG_DIR: join(stateDir, "config"),
      JUPYTER_DATA_DIR: join(stateDir, "data"),
      JUPYTER_RUNTIME_DIR: join(stateDir, "runtime"),
    };
    const args = [
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${root}`,
      // window.jupyterapp: the commands a menu click runs (open, run all, save), callable from the test.
      "--LabApp.expose_app_in_browser=True",
    ];
    const launch = jupyterLaunch(found, args, env);
    const server = spawn(launch.command, launch.args, { cwd: root, env: launch.env, stdio: ["ignore", "pipe", "pipe"] });
    // JupyterLab's own log, to look at when a notebook is slow to open or fails.
    const logFile = createWriteStream(join(stateDir, "server.log"));
    const serverLog: string[] = [];
    for (const stream of [server.stdout, server.stderr]) {
      stream?.on("data", (chunk: Buffer) => {
        serverLog.push(chunk.toString());
        logFile.write(chunk);
      });
    }
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForServer(url, token, server, serverLog);
    } catch (error) {
      server.kill("SIGTERM");
      throw new Error(`JupyterLab did not start: ${(error as Error).message}\n${serverLog.join("").slice(-3000)}`);
    }
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: chromiumPath });
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const lab = new JupyterLab(url, token, server, browser, page);
      await page.goto(`${url}/lab?token=${token}`);
      await page.waitForFunction(() => window.jupyterapp !== undefined, null, { timeout: 120_000 });
      await page.evaluate(() => window.jupyterapp.restored);
      return lab;
    } catch (error) {
      await browser?.close().catch(() => undefined);
      server.kill("SIGTERM");
      throw new Error(`Chromium did not open JupyterLab at ${url}: ${(error as Error).message}`);
    }
  }

  /** The kernelspecs the server offers, as /api/kernelspecs returns them. */
  async kernelspecs(): Promise<Record<string, { spec: { argv: string[]; display_name: string; language: string } }>> {
    const response = await fetch(`${this.url}/api/kernelspecs?token=${this.token}`);
    return ((await response.json()) as { kernelspecs: Record<string, any> }).kernelspecs;
  }

  /**
   * Opens `path` (relative to the served root) as a notebook and waits for its kernel to be idle.
   * Returns what the toolbar shows as the kernel, the kernel's name, and whether Lab marked the notebook changed.
   */
  async open(path: string): Promise<{ kernelShown: string; kernelName: string; dirty: boolean }> {
    this.consoleErrors = [];
    await this.page.evaluate(async (path) => {
      const app = window.jupyterapp;
      const widget = await app.commands.execute("docmanager:open", { path, factory: "Notebook" });
      window.testNotebook = widget;
      await widget.context.ready;
      await widget.sessionContext.ready;
    }, path);
    await this.page.waitForFunction(() => window.testNotebook.sessionContext.session?.kernel?.status === "idle", null, { timeout: 120_000 });
    // Lab writes the kernel's language_info into the notebook when the kernel's info reply arrives.
    await this.page.evaluate(async () => {
      await window.testNotebook.sessionContext.session.kernel.info;
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    return await this.page.evaluate(() => {
      const widget = window.testNotebook;
      return {
        kernelShown: widget.node.querySelector(".jp-Toolbar-kernelName")?.textContent?.trim() ?? "",
        kernelName: widget.sessionContext.session.kernel.name,
        dirty: widget.context.model.dirty,
      };
    });
  }

  /** Saves the open notebook, as Ctrl+S does. */
  async save(): Promise<void> {
    await this.page.evaluate(async () => {
      const widget = window.testNotebook;
      window.jupyterapp.shell.activateById(widget.id);
      await widget.context.save();
    });
  }

  /**
   * Runs all cells of the open notebook (Run > Run All Cells), waits for the kernel to be idle, and reports what
   * every code cell shows. Fails when the whole run takes longer than `budgetMs`, naming the notebook (`label`), the
   * cell still running and the end of what it last showed.
   */
  async runAll(label: string, budgetMs: number): Promise<RunReport> {
    const started = Date.now();
    const kernelId = await this.page.evaluate(() => window.testNotebook.sessionContext.session?.kernel?.id as string | undefined);
    const pid = kernelId === undefined ? undefined : kernelPid(kernelId);
    let cpu = { ticks: pid === undefined ? undefined : cpuTicks(pid), since: Date.now() };
    await this.page.evaluate(() => {
      const win = window;
      win.jupyterapp.shell.activateById(win.testNotebook.id);
      win.testRun = { done: false };
      win.jupyterapp.commands.execute("notebook:run-all-cells").then(
        () => (win.testRun.done = true),
        (error: unknown) => Object.assign(win.testRun, { done: true, error: String(error) }),
      );
    });
    for (;;) {
      const state = await this.page.evaluate(() => {
        const win = window;
        const cells = win.testNotebook.content.widgets as any[];
        const busy = cells.some((cell) => cell.promptNode?.textContent?.includes("*"));
        return { done: win.testRun.done as boolean, error: win.testRun.error as string | undefined, busy, idle: win.testNotebook.sessionContext.session?.kernel?.status === "idle" };
      });
      if (state.error !== undefined) throw new Error(`${label}: Run All failed in Lab: ${state.error}`);
      if (state.done && !state.busy && state.idle) break;
      const ticks = pid === undefined ? undefined : cpuTicks(pid);
      if (ticks === undefined || cpu.ticks === undefined || ticks - cpu.ticks >= kernelIdleTicks || !state.busy) cpu = { ticks, since: Date.now() };
      const idleKernel = ticks !== undefined && Date.now() - cpu.since > kernelIdleLimitMs;
      if (idleKernel || Date.now() - started > budgetMs) {
        const running = await this.page.evaluate(runningCell, lastShownChars);
        const where = running === null ? "no cell shows as running" : `cell ${running.number} still runs`;
        const why = idleKernel
          ? `but its kernel has used next to no CPU for ${kernelIdleLimitMs / 1000} s: it waits for something that will not come`
          : `after ${budgetMs / 1000} s, its budget`;
        const shown = running?.lastShown ? `; it last showed: ${running.lastShown}` : running === null ? "" : "; it has shown nothing";
        throw new Error(`${label}: ${where} ${why}${shown}`);
      }
      await this.page.waitForTimeout(250);
    }
    const runMs = Date.now() - started;
    const cells = await this.page.evaluate(readCells);
    return { cells, runMs, consoleErrors: [...this.consoleErrors] };
  }

  /** Scrolls the cell numbered `number` (or the top) into view and saves a screenshot. */
  async screenshot(file: string, number?: number): Promise<void> {
    await this.page.evaluate((number) => {
      const widget = window.testNotebook;
      const code = (widget.content.widgets as any[]).filter((cell) => cell.model.type === "code" && cell.model.sharedModel.getSource().trim() !== "");
      const target = number === undefined ? widget.content.widgets[0] : code[number - 1];
      target?.node.scrollIntoView({ block: "start" });
    }, number);
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: file });
  }

  /** Shuts down the open notebook's kernel and closes it without saving. */
  async close(): Promise<void> {
    await this.page.evaluate(async () => {
      const widget = window.testNotebook;
      await widget.sessionContext.shutdown();
      widget.context.model.dirty = false;
      widget.dispose();
    });
  }

  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    if (this.server.exitCode === null) {
      const exited = new Promise((resolve) => this.server.once("exit", resolve));
      this.server.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (this.server.exitCode === null) this.server.kill("SIGKILL");
    }
  }
}

async function waitForServer(url: string, token: string, server: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`jupyter lab exited with code ${server.exitCode}`);
    try {
      const response = await fetch(`${url}/api/status?token=${token}`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no answer on ${url} after 120 s\n${log.join("").slice(-2000)}`);
}

/** Runs in the page: the running cell's number (as the runner counts) and the end of the text its outputs show. */
function runningCell(chars: number): { number: number; lastShown: string } | null {
  const widget = window.testNotebook;
  const code = (widget.content.widgets as any[]).filter((cell) => cell.model.type === "code" && cell.model.sharedModel.getSource().trim() !== "");
  const index = code.findIndex((cell) => cell.promptNode?.textContent?.includes("*"));
  if (index === -1) return null;
  const texts = ([...code[index].node.querySelectorAll(".jp-OutputArea-output")] as any[]).map((output) => (output.textContent ?? "").trim()).filter((text) => text !== "");
  const last = texts[texts.length - 1] ?? "";
  return { number: index + 1, lastShown: last.length > chars ? "..." + last.slice(-chars) : last };
}

/** Runs in the page: what each non-empty code cell of the open notebook shows. */
async function readCells(): Promise<CellReport[]> {
  const widget = window.testNotebook;
  const stderr = "application/vnd.jupyter.stderr";
  const code = (widget.content.widgets as any[]).filter((cell) => cell.model.type === "code" && cell.model.sharedModel.getSource().trim() !== "");
  const reports: CellReport[] = [];
  for (const [index, cell] of code.entries()) {
    const outputs = [...cell.node.querySelectorAll(".jp-OutputArea-output")] as any[];
    const pictures = [];
    for (const image of cell.node.querySelectorAll(".jp-OutputArea-output img") as any[]) {
      if (!image.src.startsWith("data:image/svg+xml")) continue;
      await image.decode().catch(() => undefined);
      const markup = decodeURIComponent(image.src.slice(image.src.indexOf(",") + 1));
      const svg = new DOMParser().parseFromString(markup, "image/svg+xml").documentElement;
      const elements = svg.nodeName === "svg" ? svg.querySelectorAll("rect, path, line, circle, polyline, polygon, text").length : 0;
      pictures.push({ width: image.naturalWidth, height: image.naturalHeight, elements });
    }
    reports.push({
      number: index + 1,
      executionCount: cell.model.executionCount ?? null,
      errors: outputs.filter((output: any) => output.dataset.mimeType === stderr).map((output: any) => output.textContent ?? ""),
      mimes: outputs.map((output: any) => output.dataset.mimeType ?? ""),
      texts: outputs.map((output: any) => output.textContent ?? ""),
      pictures,
    });
  }
  return reports;
}

/** Drops the stack frames inside node:vm and tslab itself, as the notebook runner does: they say nothing. */
function withoutKernelFrames(text: string): string {
  return text
    .split("\n")
    .filter((line) => !(line.trimStart().startsWith("at ") && /node:vm|node_modules\/tslab\/|sigintHandlersWrap/.test(line)))
    .join("\n")
    .trim();
}

/**
 * What is wrong with a notebook's run, one line each, naming the notebook (`label`) and the cell: errors shown,
 * cells that never ran, pictures missing where the committed notebook has them (`pictures[n - 1]` for cell n),
 * console errors. Empty when the run is clean.
 */
export function runProblems(label: string, report: RunReport, pictures: number[]): string[] {
  const problems: string[] = [];
  const failed = report.cells.find((cell) => cell.errors.length > 0);
  if (failed) problems.push(`${label} cell ${failed.number}: ${withoutKernelFrames(failed.errors.join("\n"))}`);
  const skipped = report.cells.filter((cell) => cell.executionCount === null).map((cell) => cell.number);
  if (skipped.length > 0) problems.push(`${label}: cells ${skipped.join(", ")} did not run`);
  for (const cell of report.cells) {
    if (cell.number > (failed?.number ?? Infinity)) break;
    const expected = pictures[cell.number - 1] ?? 0;
    const drawn = cell.pictures.filter((picture) => picture.width > 0 && picture.elements > 0).length;
    if (drawn < expected) problems.push(`${label} cell ${cell.number}: shows ${drawn} of its ${expected} pictures (${JSON.stringify(cell.pictures)})`);
  }
  for (const error of report.consoleErrors) problems.push(`${label}: console error: ${error}`);
  return problems;
}
