// The paths a learner meets before any notebook runs: which notebooks are the series, and clear messages for
// an old Node, a busy port, a missing kernel; the install line is the same in the hint, the README and CI.
import { execFile, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findJupyter, installHelp, jupyterInstallLine } from "../scripts/findJupyter.mjs";
import { kernelProblem } from "../scripts/kernel.mjs";
import { nodeVersionProblem } from "../scripts/nodeVersion.mjs";
import { requestedPort } from "../scripts/port.mjs";
import { ownNotebooksDir, repoRoot, seriesNotebooks } from "../scripts/repo.mjs";
import { inFlagTerms, options } from "../scripts/train.mjs";

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

describe("npm run train: a bad option fails at once, before training, naming the option as typed", () => {
  const script = join(repoRoot, "scripts", "train.mjs");
  const dir = mkdtempSync(join(tmpdir(), "train-options-"));
  const out = join(dir, "x.safetensors");
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script, ...args], { timeout: 120_000 }, (error, stdout, stderr) => resolve({ status: error === null ? 0 : (error.code as number), stdout, stderr }));
    });
  const lib = (...names: string[]) => names.map((name) => join(repoRoot, name));
  // Every option with a bad value (and the command line's own mistakes): the exact message, nothing on stdout.
  const cases: [string[], string][] = [
    [[], "--out is required, e.g. --out=out/shakespeare.safetensors (see --help)"],
    [["--n_layers=2"], "--n_layers is not an option (did you mean --n_layer?); see --help for the options"],
    [["--seed=1", "--seed=2"], "--seed is given twice"],
    [["--seed"], "--seed needs a value"],
    [["layers"], 'unexpected argument "layers"; options look like --name=value (see --help)'],
    [["--help=maybe"], "--help=maybe: help must be true or false"],
    [["--out="], "--out=: out must be a non-empty string"],
    [[`--out=${join(dir, "missing", "x.safetensors")}`], `--out=${join(dir, "missing", "x.safetensors")}: there is no folder ${join(dir, "missing")} to write into`],
    [[`--out=${dir}`], `--out=${dir}: a folder; give a file name, e.g. ${dir}/model.safetensors`],
    [["--init_from=nothing.safetensors"], `--init_from=nothing.safetensors: no file ${join(repoRoot, "nothing.safetensors")} (from ${repoRoot})`],
    [["--init_from=lib"], `--init_from=lib: ${lib("lib")[0]} is a folder, not a file`],
    [["--init_from=resume"], `--init_from=resume continues the run written to --out=${out}, and there is no ${out} (a run writes it, with its .resume.safetensors, at each evaluation and on Ctrl-C)`],
    [["--data=nothing.txt"], `--data=nothing.txt: there is no file ${lib("nothing.txt")[0]}`],
    [["--data=lib"], `--data=lib: a folder (${lib("lib")[0]}); give a text file`],
    [["--data=/dev/zero"], "--data=/dev/zero: /dev/zero is not a regular file; give a text file"],
    [["--init_from=/dev/zero"], "--init_from=/dev/zero: /dev/zero is not a regular file (a device or a pipe has no end to read to)"],
    [["--unknown_chars=skip"], "--unknown_chars=skip: unknown_chars must be one of error, extend, replace"],
    [["--replacement_char="], "--replacement_char=: replacement_char must be a non-empty string"],
    [["--n_layer=0"], "--n_layer=0: n_layer must be >= 1"],
    [["--n_layer=1.5"], "--n_layer=1.5: n_layer must be an integer"],
    [["--n_layer=10000000"], "--n_layer=10000000: a float32 model of vocab_size 65, block_size 64, n_layer 10000000, n_embd 128 (1968640016640 parameters, their gradients and AdamW's moments) needs 31.5 TB, more than the 2 GB the lib allocates at once"],
    [["--n_head=3"], "--n_head=3: n_embd 128 is not divisible by n_head 3"],
    [["--n_head", "0"], "--n_head=0: n_head must be >= 1"],
    [["--n_embd=130"], "--n_embd=130: n_embd 130 is not divisible by n_head 4"],
    [["--n_embd=-8"], "--n_embd=-8: n_embd must be >= 1"],
    [["--block_size=100000000"], "--block_size=100000000: a float32 model of vocab_size 65, block_size 100000000, n_layer 4, n_embd 128 (12800795904 parameters, their gradients and AdamW's moments) needs 205 GB, more than the 2 GB the lib allocates at once"],
    [["--block_size=0"], "--block_size=0: block_size must be >= 1"],
    [["--dropout=2"], "--dropout=2: dropout must be in [0, 1)"],
    [["--dropout=NaN"], "--dropout=NaN: dropout must be a number"],
    [["--bias=yes"], "--bias=yes: bias must be true or false"],
    [["--norm=mid"], "--norm=mid: norm must be one of pre, post"],
    [["--batch_size=abc"], "--batch_size=abc: batch_size must be an integer"],
    [["--batch_size=10000000"], "--batch_size=10000000: a batch of batch_size 10000000 x block_size 64 tokens (the activations backward needs, n_layer 4) needs 328 GB, more than the 2 GB the lib allocates at once"],
    [["--max_iters=0"], "--max_iters=0: max_iters must be >= 1"],
    [["--max_iters=1e30"], "--max_iters=1e30: max_iters must be an integer"],
    [["--learning_rate=-1"], "--learning_rate=-1: learning_rate must be >= 0"],
    [["--learning_rate=Infinity"], "--learning_rate=Infinity: learning_rate must be a number"],
    [["--min_lr=0.01"], "--min_lr=0.01: min_lr 0.01 is above learning_rate 0.001"],
    [["--warmup_iters=2000"], "--warmup_iters=2000: warmup_iters 2000 must be below lr_decay_iters 2000 (which defaults to max_iters); pass a smaller warmup_iters, e.g. --warmup_iters=200, or leave it out (the default fits), or a lr_decay_iters above 2000"],
    [["--warmup_iters=-1"], "--warmup_iters=-1: warmup_iters must be >= 0"],
    [["--lr_decay_iters=0"], "--lr_decay_iters=0: lr_decay_iters must be >= 1"],
    [["--weight_decay=-0.1"], "--weight_decay=-0.1: weight_decay must be >= 0"],
    [["--beta1=1"], "--beta1=1: beta1 must be in [0, 1)"],
    [["--beta2=-0.5"], "--beta2=-0.5: beta2 must be in [0, 1)"],
    [["--grad_clip=-1"], "--grad_clip=-1: grad_clip must be >= 0"],
    [["--eval_interval=0"], "--eval_interval=0: eval_interval must be >= 1"],
    [["--eval_iters=0"], "--eval_iters=0: eval_iters must be >= 1"],
    [["--log_interval=0"], "--log_interval=0: log_interval must be >= 1"],
    [["--seed=-1"], "--seed=-1: seed must be >= 0"],
    [["--dtype=float16"], "--dtype=float16: dtype must be one of float32, float64"],
    [["--threads=0"], "--threads=0: 0 threads; give an integer from 1 to 256"],
  ];

  it("covers every option", () => {
    const named = new Set(cases.flatMap(([args]) => args.map((arg) => /^--(\w+)/.exec(arg)?.[1])));
    expect(Object.keys(options).filter((name) => !named.has(name))).toEqual([]);
  });

  it.concurrent.each(cases)("%j", async (args, message) => {
    const given = args[0]?.startsWith("--out") || args.length === 0 ? args : [`--out=${out}`, ...args];
    const { status, stdout, stderr } = await run(given);
    expect(stderr).toBe(`${message}\n`);
    expect(stdout).toBe("");
    expect(status).toBe(1);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it("says which file of a run to resume is spoiled, naming --init_from=resume", async () => {
    const run1 = join(dir, "run.safetensors");
    const shape = ["--n_layer=1", "--n_head=1", "--n_embd=8", "--block_size=8", "--batch_size=2", "--max_iters=2", "--eval_iters=1"];
    expect((await run([`--out=${run1}`, ...shape])).status).toBe(0);
    writeFileSync(join(dir, "run.resume.safetensors"), "hi\n");
    const { status, stdout, stderr } = await run([`--out=${run1}`, "--init_from=resume", "--max_iters=4"]);
    expect(stderr).toBe(`--init_from=resume: ${join(dir, "run.resume.safetensors")}: 3 bytes is too short for a .safetensors file (truncated?): it starts with an 8-byte header length\n`);
    expect([status, stdout]).toEqual([1, ""]);
  }, 120_000);

  it("names the flags the lib's error speaks of, in their words: lib names become flags, { name: value } becomes --flag=value", () => {
    const argv = ["--out=x", "--n_head", "3", "--bias"];
    expect(inFlagTerms("GPT.create: nEmbd 128 is not divisible by nHead 3", argv)).toBe("--n_head=3: n_embd 128 is not divisible by n_head 3");
    expect(inFlagTerms("trainSettings: pass { warmupSteps: 5 }; steps is 10, after 5 steps", argv)).toBe("pass --warmup_iters=5; max_iters is 10, after 5 steps");
    expect(inFlagTerms("readCheckpoint: bias and norm differ", argv)).toBe("--bias: bias and norm differ");
    expect(inFlagTerms("--out=x: there is no folder", argv)).toBe("--out=x: there is no folder");
  });
});
