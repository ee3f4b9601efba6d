// `npm start`: builds the lib, keeps rebuilding it on change, and opens notebooks/ in Jupyter
// with the project's tslab kernel. Arguments after `--` go to Jupyter (e.g. `npm start -- --no-browser`).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { findJupyter, installHelp } from "./findJupyter.mjs";
import { registerKernel } from "./kernel.mjs";
import { trustNotebooks } from "./trust.mjs";
import { jupyterEnv, notebooksDir, repoRoot } from "./repo.mjs";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function fail(message) {
  console.error(message);
  process.exit(1);
}

const found = findJupyter();
if (!found) fail(installHelp);

const build = spawnSync(npm, ["run", "build"], { cwd: repoRoot, stdio: "inherit", shell: process.platform === "win32" });
if (build.status !== 0) fail("npm start: the lib did not build (see the errors above).");
console.log(`tslab kernel registered: ${registerKernel()}`);

// Its own process group, so Ctrl-C reaches Jupyter (which asks to confirm) and not the watcher.
const watch = spawn(npm, ["run", "watch"], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"], detached: process.platform !== "win32", shell: process.platform === "win32" });
function stopWatch() {
  if (watch.exitCode !== null || watch.killed) return;
  try {
    process.kill(-watch.pid, "SIGTERM");
  } catch {
    watch.kill("SIGTERM");
  }
}
process.on("exit", stopWatch);

mkdirSync(notebooksDir, { recursive: true });
if (!trustNotebooks(found.jupyter)) console.log("Could not mark the notebooks as trusted: run their cells to see the pictures.");
const rootArgs = process.getuid?.() === 0 ? ["--allow-root"] : [];
const args = [found.app, ...rootArgs, ...process.argv.slice(2)];
console.log(`Starting ${found.jupyter} ${args.join(" ")} in notebooks/ (lib changes: rebuilt automatically; restart the kernel to use them)`);
const jupyter = spawn(found.jupyter, args, { cwd: notebooksDir, env: jupyterEnv(), stdio: "inherit" });

// Ctrl-C goes to the whole terminal group: Jupyter handles it, this process waits for Jupyter to end.
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"]) {
  process.on(signal, () => jupyter.kill(signal));
}
jupyter.on("exit", (code, signal) => {
  stopWatch();
  process.exit(code ?? (signal ? 1 : 0));
});
jupyter.on("error", (error) => {
  stopWatch();
  fail(`could not start ${found.jupyter}: ${error.message}`);
});
