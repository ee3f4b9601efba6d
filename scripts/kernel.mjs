// Registers the tslab kernel for this project only: writes .jupyter/kernels/tslab/kernel.json,
// which Jupyter finds through JUPYTER_PATH (see repo.mjs), so no global Jupyter setup changes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jupyterDir } from "./repo.mjs";

export const kernelName = "tslab";
export const kernelFile = join(jupyterDir, "kernels", kernelName, "kernel.json");

function tslabEntry() {
  try {
    const manifest = createRequire(import.meta.url).resolve("tslab/package.json");
    return join(dirname(manifest), "bin", "tslab");
  } catch {
    throw new Error("tslab is not installed in node_modules: run `npm install` first.");
  }
}

/** The kernelspec: this machine's node running the repo's tslab, as `tslab install` would write it. */
export function kernelSpec() {
  return {
    argv: [process.execPath, tslabEntry(), "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript (tslab)",
    language: "typescript",
  };
}

/** Writes the kernelspec when it is missing or out of date; returns the kernel.json path. */
export function registerKernel() {
  const text = JSON.stringify(kernelSpec(), null, 1) + "\n";
  const current = existsSync(kernelFile) ? readFileSync(kernelFile, "utf8") : "";
  if (current !== text) {
    mkdirSync(dirname(kernelFile), { recursive: true });
    writeFileSync(kernelFile, text);
  }
  return kernelFile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(`tslab kernel registered: ${registerKernel()}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
