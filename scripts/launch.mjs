// How `npm start` runs Jupyter, shared with the browser test so that it starts JupyterLab the same way.
import { jupyterEnv, notebooksDir } from "./repo.mjs";

/**
 * The command that serves notebooks/ in the found Jupyter app ("lab" or "notebook") with the project's
 * kernel on JUPYTER_PATH; extraArgs go to Jupyter as they are (e.g. --no-browser --port 8899).
 */
export function jupyterLaunch(found, extraArgs = [], env = process.env) {
  const [command, ...prefix] = found.command;
  const rootArgs = process.getuid?.() === 0 ? ["--allow-root"] : [];
  return { command, args: [...prefix, found.app, ...rootArgs, ...extraArgs], cwd: notebooksDir, env: jupyterEnv(env) };
}
