// Reads the outputs committed in a notebook, so tests can assert the numbers a notebook prints.
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { repoRoot } from "./runNotebooks.js";

type Text = string | string[];

interface Output {
  output_type: string;
  name?: string;
  text?: Text;
  data?: Record<string, Text>;
}

interface Cell {
  cell_type: string;
  source: Text;
  outputs?: Output[];
}

const joined = (text: Text | undefined): string => (Array.isArray(text) ? text.join("") : text ?? "");

function textOf(output: Output): string {
  if (output.output_type === "stream") return output.name === "stdout" ? joined(output.text) : "";
  return joined(output.data?.["text/plain"]);
}

/**
 * The text each code cell printed (stdout and text/plain results, in order): [0] is cell 1, i.e. In [1].
 * `file` is relative to the repository; a bare name like "01-tokens.ipynb" is looked up in notebooks/.
 */
export function notebookOutputs(file: string): string[] {
  const path = isAbsolute(file) ? file : join(repoRoot, file.includes("/") ? file : join("notebooks", file));
  const notebook = JSON.parse(readFileSync(path, "utf8")) as { cells: Cell[] };
  return notebook.cells
    .filter((cell) => cell.cell_type === "code" && joined(cell.source).trim() !== "")
    .map((cell) => (cell.outputs ?? []).map(textOf).join(""));
}
