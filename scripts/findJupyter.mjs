// Finds a Jupyter front end: JupyterLab if installed, else the classic Notebook.
import { spawnSync } from "node:child_process";

export const installHelp = [
  "Jupyter was not found (tried `jupyter` on PATH and /usr/bin/jupyter).",
  "Install JupyterLab, then run `npm start` again:",
  "  pip install jupyterlab",
  "  or on Debian/Ubuntu: sudo apt-get install jupyter-notebook python3-ipykernel",
].join("\n");

function works(jupyter, app) {
  const result = spawnSync(jupyter, [app, "--version"], { stdio: "ignore" });
  return result.status === 0;
}

/** { jupyter, app } where app is "lab" or "notebook", or undefined when neither is installed. */
export function findJupyter() {
  for (const app of ["lab", "notebook"]) {
    for (const jupyter of ["jupyter", "/usr/bin/jupyter"]) {
      if (works(jupyter, app)) return { jupyter, app };
    }
  }
  return undefined;
}
