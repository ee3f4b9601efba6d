// `npm start`: builds the lib, keeps rebuilding it on change, and opens notebooks/ in Jupyter
// with the project's tslab kernel. Arguments after `--` go to Jupyter (e.g. `npm start -- --no-browser`).
import "./nodeVersion.mjs";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { findJupyter, installHelp } from "./findJupyter.mjs";
import { kernelProblem, registerKernel } from "./kernel.mjs";
import { jupyterLaunch } from "./launch.mjs";
import { portInUse, requestedPort } from "./port.mjs";
import { trustNotebooks } from "./trust.mjs";
import { ownNotebooksDir, repoRoot } from "./repo.mjs";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const jupyterArgs = process.argv.slice(2);

function fail(message) {
  console.error(message);
  process.exit(1);
}

const found = findJupyter();
if (!found) fail(installHelp);
const jupyterName = found.command.join(" ");

let kernelFile;
try {
  kernelFile = registerKernel();
} catch (error) {
  fail(error.message);
}
const port = requestedPort(jupyterArgs);
// Jupyter would quietly move to another port; someone who asked for this one should know why it is not used.
if (port !== undefined && (await portInUse(port))) {
  fail(`Port ${port} is in use, perhaps by a Jupyter that is still running (\`${jupyterName} server list\` shows them).\nStop it, or pick another port: npm start -- --port ${port + 1}`);
}
const problem = kernelProblem(found.command);
if (problem) fail(problem);

const build = spawnSync(npm, ["run", "build"], { cwd: repoRoot, stdio: "inherit", shell: process.platform === "win32" });
if (build.status !== 0) fail("npm start: the lib did not build (see the errors above).");
console.log(`tslab kernel registered: ${kernelFile}`);

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

mkdirSync(ownNotebooksDir, { recursive: true });
if (!trustNotebooks(found.command)) console.log("Could not mark the notebooks as trusted: run their cells to see the pictures.");
const launch = jupyterLaunch(found, jupyterArgs);
console.log(`Starting ${launch.command} ${launch.args.join(" ")} in notebooks/ (lib changes: rebuilt automatically; restart the kernel to use them)`);
console.log("Your own notebooks go in notebooks/my-notebooks/.");
const jupyter = spawn(launch.command, launch.args, { cwd: launch.cwd, env: launch.env, stdio: "inherit" });

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
  fail(`could not start ${jupyterName}: ${error.message}`);
});
