// Where things are in this repository, and the environment that lets Jupyter find its tslab kernel.
import { existsSync, readdirSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
export const notebooksDir = join(repoRoot, "notebooks");
/** Where a learner's own notebooks go: `npm start` shows it, git ignores it, the tests never run it. */
export const ownNotebooksDir = join(notebooksDir, "my-notebooks");
/** The project's own Jupyter data folder (gitignored): nothing is installed globally. */
export const jupyterDir = join(repoRoot, ".jupyter");

/** A notebook of the numbered series: "01-text-to-embeddings.ipynb", not "Untitled.ipynb". */
export const seriesName = /^\d\d+-[^/\\]+\.ipynb$/;

/** The numbered series in `dir` (default notebooks/), as absolute paths in reading order. */
export function seriesNotebooks(dir = notebooksDir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => seriesName.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The current environment with the project's .jupyter first on JUPYTER_PATH. */
export function jupyterEnv(env = process.env) {
  const rest = env.JUPYTER_PATH ? [env.JUPYTER_PATH] : [];
  return { ...env, JUPYTER_PATH: [jupyterDir, ...rest].join(delimiter) };
}
