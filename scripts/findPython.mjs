// Finds a Python that can run notebooks (nbclient, nbformat, nbconvert), or says how to install one.
import { spawnSync } from "node:child_process";
import { jupyterInstallLine } from "./findJupyter.mjs";

const modules = "nbclient, nbformat, nbconvert";

export const installHelp = [
  `No Python with ${modules} was found (tried $JUPYTER_PYTHON, python3, /usr/bin/python3, python).`,
  "Install them (JupyterLab brings them), then run the command again:",
  `  ${jupyterInstallLine}`,
  "  or on Debian/Ubuntu: sudo apt-get install -y python3-nbconvert python3-nbclient python3-jupyter-client jupyter-core python3-ipykernel",
  "Or point JUPYTER_PYTHON at a Python that has them.",
].join("\n");

function candidates(env) {
  const names = [env.JUPYTER_PYTHON, "python3", "/usr/bin/python3", "python"];
  return [...new Set(names.filter((name) => name))];
}

function canRunNotebooks(python) {
  const result = spawnSync(python, ["-c", `import ${modules}`], { stdio: "ignore" });
  return result.status === 0;
}

/** The first candidate Python that imports nbclient, nbformat and nbconvert, or undefined. */
export function findNotebookPython(env = process.env) {
  return candidates(env).find(canRunNotebooks);
}
