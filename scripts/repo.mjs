// Where things are in this repository, and the environment that lets Jupyter find its tslab kernel.
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
export const notebooksDir = join(repoRoot, "notebooks");
/** The project's own Jupyter data folder (gitignored): nothing is installed globally. */
export const jupyterDir = join(repoRoot, ".jupyter");

/** The current environment with the project's .jupyter first on JUPYTER_PATH. */
export function jupyterEnv(env = process.env) {
  const rest = env.JUPYTER_PATH ? [env.JUPYTER_PATH] : [];
  return { ...env, JUPYTER_PATH: [jupyterDir, ...rest].join(delimiter) };
}
