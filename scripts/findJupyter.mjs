// Finds a Jupyter front end: JupyterLab if installed, else the Notebook.
import { spawnSync } from "node:child_process";

/** The one line that installs what `npm start` needs; the README and .ci/run run exactly this line. */
export const jupyterInstallLine = "python3 -m pip install jupyterlab==4.6.6 notebook==7.6.5";

export const installHelp = [
  "Jupyter was not found (tried `jupyter`, `python3 -m jupyter` and /usr/bin/jupyter).",
  "Install JupyterLab, then run `npm start` again:",
  `  ${jupyterInstallLine}`,
  "  or on Debian/Ubuntu, the classic Notebook: sudo apt-get install jupyter-notebook",
].join("\n");

// `python3 -m jupyter` works right after a pip install, before a pyenv shim for `jupyter` exists.
const commands = [["jupyter"], ["python3", "-m", "jupyter"], ["/usr/bin/jupyter"]];

function works(command, app) {
  const result = spawnSync(command[0], [...command.slice(1), app, "--version"], { stdio: "ignore" });
  return result.status === 0;
}

/**
 * { command, app }: command is how to run Jupyter (["jupyter"] or ["python3", "-m", "jupyter"], ...),
 * app is "lab" or "notebook"; undefined when neither is installed.
 */
export function findJupyter() {
  for (const app of ["lab", "notebook"]) {
    for (const command of commands) {
      if (works(command, app)) return { command, app };
    }
  }
  return undefined;
}
