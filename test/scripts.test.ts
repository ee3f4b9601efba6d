// The paths a learner meets before any notebook runs: which notebooks are the series, and clear messages for
// an old Node, a busy port, a missing kernel; the install line is the same in the hint, the README and CI.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findJupyter, installHelp, jupyterInstallLine } from "../scripts/findJupyter.mjs";
import { kernelProblem } from "../scripts/kernel.mjs";
import { nodeVersionProblem } from "../scripts/nodeVersion.mjs";
import { requestedPort } from "../scripts/port.mjs";
import { ownNotebooksDir, repoRoot, seriesNotebooks } from "../scripts/repo.mjs";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

describe("the numbered series", () => {
  it("is notebooks/NN-*.ipynb only: not Untitled, not my-notebooks/, not checkpoints", () => {
    const dir = mkdtempSync(join(tmpdir(), "series-"));
    try {
      for (const name of ["02-b.ipynb", "01-a.ipynb", "Untitled.ipynb", "scratch-01.ipynb", "10-j.ipynb", "03-c.txt"]) writeFileSync(join(dir, name), "{}");
      for (const sub of ["my-notebooks", ".ipynb_checkpoints"]) {
        mkdirSync(join(dir, sub));
        writeFileSync(join(dir, sub, "04-d.ipynb"), "{}");
      }
      expect(seriesNotebooks(dir)).toEqual(["01-a.ipynb", "02-b.ipynb", "10-j.ipynb"].map((name) => join(dir, name)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves out the folder for one's own notebooks, which the README names", () => {
    expect(ownNotebooksDir).toBe(join(repoRoot, "notebooks", "my-notebooks"));
    expect(readme).toContain("`notebooks/my-notebooks/`");
    expect(seriesNotebooks().every((path) => !path.includes("my-notebooks"))).toBe(true);
  });
});

describe("Node version", () => {
  it("refuses Node older than 20.19 (and 21 to 22.11) with the version it needs", () => {
    for (const old of ["v18.20.4", "v20.18.1", "v21.7.3", "v22.11.0"]) {
      expect(nodeVersionProblem(old)).toContain(`Node.js ${old} is too old for this project: it needs Node 20.19 or newer`);
    }
    for (const current of ["v20.19.0", "v20.20.2", "v22.12.0", "v24.1.0"]) expect(nodeVersionProblem(current)).toBeUndefined();
  });
});

describe("npm start", () => {
  const found = findJupyter();

  it("finds JupyterLab", () => {
    expect(found?.app, installHelp).toBe("lab");
  });

  it("reads the port given to Jupyter", () => {
    expect(requestedPort(["--no-browser", "--port", "8899"])).toBe(8899);
    expect(requestedPort(["--port=8900"])).toBe(8900);
    expect(requestedPort(["--ServerApp.port=8901"])).toBe(8901);
    expect(requestedPort(["--no-browser"])).toBeUndefined();
  });

  it("says a port is in use instead of quietly moving to another", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = spawnSync(process.execPath, ["scripts/start.mjs", "--no-browser", "--port", String(port)], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toContain(`Port ${port} is in use, perhaps by a Jupyter that is still running`);
      expect(result.stderr).toContain(`npm start -- --port ${port + 1}`);
    } finally {
      server.close();
    }
  }, 60_000);

  it("says to run npm install when the TypeScript kernel is not installed", () => {
    const dir = mkdtempSync(join(tmpdir(), "no-install-"));
    try {
      cpSync(join(repoRoot, "scripts"), join(dir, "scripts"), { recursive: true });
      const result = spawnSync(process.execPath, ["scripts/start.mjs", "--no-browser"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toBe("The TypeScript kernel (tslab) is not installed in node_modules: run `npm install` in this folder first.\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("says so when Jupyter does not see the project's kernel", () => {
    const noKernels = [process.execPath, "-e", "console.log(JSON.stringify({ kernelspecs: {} }))", "--"];
    expect(kernelProblem(noKernels)).toBe(
      `Jupyter sees no tslab kernel, not the project's ${join(repoRoot, ".jupyter", "kernels", "tslab")}: run \`npm run kernel\`, and keep JUPYTER_PATH=${join(repoRoot, ".jupyter")} in the environment.`,
    );
    expect(kernelProblem([found!.command[0], ...found!.command.slice(1)])).toBeUndefined();
  });
});

describe("the install line", () => {
  it("is the same in the missing-Jupyter hint, the README's set-up line and CI", () => {
    expect(jupyterInstallLine).toBe("python3 -m pip install jupyterlab==4.6.6 notebook==7.6.5");
    expect(installHelp).toContain(`\n  ${jupyterInstallLine}\n`);
    expect(readme).toContain("```sh\n" + `${jupyterInstallLine} && npm install && npm start` + "\n```");
    expect(readFileSync(join(repoRoot, ".ci", "run"), "utf8")).toContain(`\n${jupyterInstallLine}\n`);
  });

  it("comes with what the README says about npm's zeromq warning and Debian's nbconvert", () => {
    expect(readme).toContain("zeromq");
    expect(readme).toContain("python3 -m nbconvert");
  });
});
