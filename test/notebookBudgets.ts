// How long each notebook of the series may run before its test fails as hung, in the notebook runner
// (test/notebooks.test.ts) and in JupyterLab (test/browser/lab.test.ts): a hang fails in minutes, naming the notebook,
// the cell and what it last printed, and never waits for CI's clock.
// A budget is the notebook's measured CPU time (kernel and runner together, which the machine's load does not change)
// times `headroom`, for a machine whose CPU other work contends, and never under `floorSeconds`. A notebook not listed
// yet (a new one) gets `unlistedSeconds`: measure it and add it here.
import { basename } from "node:path";

/**
 * CPU seconds (user + system, kernel and runner together) of one run through the runner, measured with /usr/bin/time on
 * scripts/run_notebooks.py --check on the 2-core machine, loaded at the time (its wall time was 7 to 16 times these).
 */
export const measuredCpuSeconds: Readonly<Record<string, number>> = {
  "01-text-to-embeddings.ipynb": 9.4,
  "02-queries-keys-values.ipynb": 8.8,
  "03-attention-scores.ipynb": 7.8,
  "04-softmax.ipynb": 8.0,
  "05-weighted-sum.ipynb": 6.9,
  "06-checking-the-document.ipynb": 7.0,
  "07-causal-attention-and-dropout.ipynb": 8.0,
  "08-multi-head-attention.ipynb": 6.7,
  "09-transformer-block.ipynb": 7.7,
  "10-gpt-forward.ipynb": 15.8,
  "11-backpropagation.ipynb": 11.9,
  "12-training.ipynb": 210.8,
  "13-generation.ipynb": 13.2,
  "14-mixtures.ipynb": 95.2,
  "15-generating-fast-and-fine-tuning.ipynb": 108.7,
};

export const headroom = 6;
export const floorSeconds = 300;
export const unlistedSeconds = 900;

/** The budget of a notebook of the series (a path or a file name), in seconds. */
export function notebookBudgetSeconds(notebook: string): number {
  const cpu = measuredCpuSeconds[basename(notebook)];
  if (cpu === undefined) return unlistedSeconds;
  return Math.max(floorSeconds, Math.ceil((cpu * headroom) / 60) * 60);
}
