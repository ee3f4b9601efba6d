// Runs the notebook runner (scripts/notebooks.mjs) the way npm does, for tests to assert on.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export interface RunResult {
  code: number;
  /** stdout then stderr, so a failure message shows everything the runner said. */
  output: string;
}

export function runNotebooks(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["scripts/notebooks.mjs", ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
