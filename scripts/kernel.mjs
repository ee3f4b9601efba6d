// Registers the tslab kernel for this project only: writes .jupyter/kernels/tslab/kernel.json,
// which Jupyter finds through JUPYTER_PATH (see repo.mjs), so no global Jupyter setup changes.
import "./nodeVersion.mjs";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jupyterDir, jupyterEnv } from "./repo.mjs";
import { patchTslab } from "./tslabPatch.mjs";

export const kernelName = "tslab";
export const kernelDir = join(jupyterDir, "kernels", kernelName);
export const kernelFile = join(kernelDir, "kernel.json");
// The name `tslab install` gives the kernel and the notebooks carry: Jupyter writes the kernelspec's name into
// a notebook it opens, so any other name would change every notebook that is merely opened and saved.
export const kernelDisplayName = "TypeScript";

function tslabEntry() {
  try {
    const manifest = createRequire(import.meta.url).resolve("tslab/package.json");
    return join(dirname(manifest), "bin", "tslab");
  } catch {
    throw new Error("The TypeScript kernel (tslab) is not installed in node_modules: run `npm install` in this folder first.");
  }
}

/** The kernelspec: this machine's node running the repo's tslab, as `tslab install` would write it. */
export function kernelSpec() {
  return {
    argv: [process.execPath, tslabEntry(), "kernel", "--config-path", "{connection_file}"],
    display_name: kernelDisplayName,
    language: "typescript",
  };
}

/** Writes the kernelspec when it is missing or out of date, and fixes tslab's sends (tslabPatch.mjs); returns the kernel.json path. */
export function registerKernel() {
  const text = JSON.stringify(kernelSpec(), null, 1) + "\n";
  patchTslab();
  const current = existsSync(kernelFile) ? readFileSync(kernelFile, "utf8") : "";
  if (current !== text) {
    mkdirSync(dirname(kernelFile), { recursive: true });
    writeFileSync(kernelFile, text);
  }
  return kernelFile;
}

/** Undefined when `jupyter` (a command array) lists the project's tslab kernel; else what it found instead. */
export function kernelProblem(jupyter) {
  const [command, ...args] = jupyter;
  const result = spawnSync(command, [...args, "kernelspec", "list", "--json"], { env: jupyterEnv(), encoding: "utf8" });
  if (result.status !== 0) return `\`${jupyter.join(" ")} kernelspec list\` failed: ${(result.stderr || result.error?.message || "").trim()}`;
  const found = JSON.parse(result.stdout).kernelspecs?.[kernelName]?.resource_dir;
  if (found === kernelDir) return undefined;
  const seen = found === undefined ? "no tslab kernel" : `a tslab kernel in ${found}`;
  return `Jupyter sees ${seen}, not the project's ${kernelDir}: run \`npm run kernel\`, and keep JUPYTER_PATH=${jupyterDir} in the environment.`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(`tslab kernel registered: ${registerKernel()}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
