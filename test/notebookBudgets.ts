// How long each notebook of the series may run before its test fails as hung, in the notebook runner
// (test/notebooks.test.ts) and in JupyterLab (test/browser/lab.test.ts): a hang fails in minutes, naming the notebook,
// the cell and what it last printed, and never waits for CI's clock.
// A budget is the notebook's measured CPU time (kernel and runner together, which the machine's load does not change)
// times `headroom`, for a machine whose CPU other work contends, and never under `floorSeconds`. A notebook not listed
// yet (a new one) gets `unlistedSeconds`: measure it and add it here.
import { basename } from "node:path";

/** CPU seconds of one run through the runner (measured with /usr/bin/time on scripts/run_notebooks.py, 2 cores). */
export const measuredCpuSeconds: Readonly<Record<string, number>> = {
  "01-text-to-embeddings.ipynb": 10,
  "02-queries-keys-values.ipynb": 10,
  "03-attention-scores.ipynb": 10,
  "04-softmax.ipynb": 10,
  "05-weighted-sum.ipynb": 10,
  "06-checking-the-document.ipynb": 10,
  "07-causal-attention-and-dropout.ipynb": 10,
  "08-multi-head-attention.ipynb": 10,
  "09-transformer-block.ipynb": 10,
  "10-gpt-forward.ipynb": 10,
  "11-backpropagation.ipynb": 10,
  "12-training.ipynb": 150,
  "13-generation.ipynb": 10,
};

export const headroom = 6;
export const floorSeconds = 180;
export const unlistedSeconds = 900;

/** The budget of a notebook of the series (a path or a file name), in seconds. */
export function notebookBudgetSeconds(notebook: string): number {
  const cpu = measuredCpuSeconds[basename(notebook)];
  if (cpu === undefined) return unlistedSeconds;
  return Math.max(floorSeconds, Math.ceil((cpu * headroom) / 60) * 60);
}
