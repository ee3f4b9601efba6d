// show(figure): displays figures in a tslab notebook cell, and says so in one line anywhere else.
// liveOutput(): one output that a long cell (training, say) redraws in place instead of adding new ones.
import { createRequire } from "node:module";
import type { Figure } from "./figure.js";

interface Display {
  svg(markup: string): void;
  html(markup: string): void;
  text(line: string): void;
}

interface TslabPublic {
  display: Display;
  newDisplay(): Display;
}

/** The public API of the tslab that runs this kernel, if any: only that instance knows which cell is running. */
function kernelTslab(): TslabPublic | undefined {
  const require = createRequire(import.meta.url);
  const kernel = Object.keys(require.cache).find((path) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(path));
  if (kernel === undefined) return undefined;
  return createRequire(kernel)("./public.js") as TslabPublic;
}

function checkFigures(caller: string, figures: Figure[]): void {
  for (const figure of figures) {
    if (typeof figure?.markup !== "string") throw new TypeError(`${caller}: expected figures from heatmap, bars, ... ({ mime, markup })`);
  }
}

function drawnNowhere(caller: string, figures: Figure[]): string {
  const sizes = figures.map((f) => `${f.mime}, ${f.markup.length} characters`).join("; ");
  return `${caller}: not in a tslab kernel, so nothing is drawn (${figures.length} figure(s): ${sizes})`;
}

function draw(display: Display, figure: Figure): void {
  if (figure.mime === "image/svg+xml") display.svg(figure.markup);
  else display.html(figure.markup);
}

export function show(...figures: Figure[]): void {
  checkFigures("show", figures);
  const tslab = kernelTslab();
  if (tslab === undefined) {
    console.log(drawnNowhere("show", figures));
    return;
  }
  for (const figure of figures) draw(tslab.display, figure);
}

/** One output of a cell that each call replaces: a progress line, or a figure redrawn as it changes. */
export interface LiveOutput {
  /** Replaces the output with this text. Outside a kernel, prints it as a line. */
  text(line: string): void;
  /** Replaces the output with this figure. Outside a kernel, prints one line saying nothing is drawn. */
  show(figure: Figure): void;
}

/**
 * An output that updates in place: the first call shows it under the running cell, each later call replaces
 * it, so a training loop shows one progress line and one loss curve rather than a new output per step.
 * For a line and a figure together, use two: `const progress = liveOutput(), curve = liveOutput();`.
 */
export function liveOutput(): LiveOutput {
  const tslab = kernelTslab();
  const display = tslab?.newDisplay();
  return {
    text(line: string): void {
      if (typeof line !== "string") throw new TypeError(`liveOutput.text: expected a string, got ${typeof line}`);
      if (display === undefined) console.log(line);
      else display.text(line);
    },
    show(...figures: Figure[]): void {
      if (figures.length !== 1) throw new TypeError(`liveOutput.show: expected one figure, got ${figures.length}; use one liveOutput per figure`);
      checkFigures("liveOutput.show", figures);
      if (display === undefined) console.log(drawnNowhere("liveOutput.show", figures));
      else draw(display, figures[0]);
    },
  };
}
