// show(figure): displays figures in a tslab notebook cell, and says so in one line anywhere else.
import { createRequire } from "node:module";
import type { Figure } from "./figure.js";

interface Display {
  svg(markup: string): void;
  html(markup: string): void;
}

/** The display of the tslab that runs this kernel, if any: only that instance knows which cell is running. */
function kernelDisplay(): Display | undefined {
  const require = createRequire(import.meta.url);
  const kernel = Object.keys(require.cache).find((path) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(path));
  if (kernel === undefined) return undefined;
  return (createRequire(kernel)("./public.js") as { display: Display }).display;
}

export function show(...figures: Figure[]): void {
  for (const figure of figures) {
    if (typeof figure?.markup !== "string") throw new TypeError("show: expected figures from heatmap, bars, ... ({ mime, markup })");
  }
  const display = kernelDisplay();
  if (display === undefined) {
    const sizes = figures.map((f) => `${f.mime}, ${f.markup.length} characters`).join("; ");
    console.log(`show: not in a tslab kernel, so nothing is drawn (${figures.length} figure(s): ${sizes})`);
    return;
  }
  for (const figure of figures) {
    if (figure.mime === "image/svg+xml") display.svg(figure.markup);
    else display.html(figure.markup);
  }
}
