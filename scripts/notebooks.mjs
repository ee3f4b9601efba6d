// Runs scripts/run_notebooks.py with a Python that can, and with the project's tslab kernel on JUPYTER_PATH.
// Usage: node scripts/notebooks.mjs [--check | --write | --html DIR | --doctor] [--timeout S] [--budget S] [NOTEBOOK ...]
// With no NOTEBOOK it runs the numbered series, notebooks/NN-*.ipynb, and never a learner's own notebooks.
// Fails (never skips) when no such Python exists, printing how to install one.
import "./nodeVersion.mjs";
import { spawnSync } from "node:child_process";
import { join, relative } from "node:path";
import { findNotebookPython, installHelp } from "./findPython.mjs";
import { registerKernel } from "./kernel.mjs";
import { jupyterEnv, repoRoot, seriesNotebooks } from "./repo.mjs";

const python = findNotebookPython();
if (!python) {
  console.error(installHelp);
  process.exit(1);
}
try {
  registerKernel();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const args = process.argv.slice(2);
const named = args.some((arg, i) => !arg.startsWith("--") && !["--html", "--timeout", "--budget"].includes(args[i - 1]));
const notebooks = named || args.includes("--doctor") ? [] : seriesNotebooks().map((path) => relative(repoRoot, path));
// Debian's ipykernel imports debugpy, which warns about frozen modules on every start.
const env = { PYDEVD_DISABLE_FILE_VALIDATION: "1", ...jupyterEnv() };
const runner = join(repoRoot, "scripts", "run_notebooks.py");
const result = spawnSync(python, [runner, ...args, ...notebooks], { cwd: repoRoot, env, stdio: "inherit" });
if (result.error) {
  console.error(`could not start ${python}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
