// Marks the series' notebooks as trusted, so Jupyter shows their committed pictures (SVG) before any cell runs;
// untrusted notebooks show only text until their cells are run again.
import { spawnSync } from "node:child_process";
import { seriesNotebooks } from "./repo.mjs";

/** Signs notebooks/NN-*.ipynb with the user's Jupyter key; returns whether it worked. */
export function trustNotebooks(jupyter) {
  const files = seriesNotebooks();
  if (files.length === 0) return true;
  // `jupyter trust` where pip installed it; Debian ships the same command only as a Python module.
  const attempts = [
    [...jupyter, "trust", ...files],
    ["python3", "-m", "nbformat.sign", ...files],
    ["/usr/bin/python3", "-m", "nbformat.sign", ...files],
  ];
  return attempts.some(([command, ...args]) => spawnSync(command, args, { stdio: "ignore" }).status === 0);
}
