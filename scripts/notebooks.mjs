// Runs scripts/run_notebooks.py with a Python that can, and with the project's tslab kernel on JUPYTER_PATH.
// Usage: node scripts/notebooks.mjs [--check | --write | --html DIR | --doctor] [NOTEBOOK ...]
// Fails (never skips) when no such Python exists, printing how to install one.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { findNotebookPython, installHelp } from "./findPython.mjs";
import { registerKernel } from "./kernel.mjs";
import { jupyterEnv, repoRoot } from "./repo.mjs";

const python = findNotebookPython();
if (!python) {
  console.error(installHelp);
  process.exit(1);
}
registerKernel();
// Debian's ipykernel imports debugpy, which warns about frozen modules on every start.
const env = { PYDEVD_DISABLE_FILE_VALIDATION: "1", ...jupyterEnv() };
const runner = join(repoRoot, "scripts", "run_notebooks.py");
const result = spawnSync(python, [runner, ...process.argv.slice(2)], { cwd: repoRoot, env, stdio: "inherit" });
if (result.error) {
  console.error(`could not start ${python}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
