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

/** A bare name like "01-tokens.ipynb" is looked up in notebooks/; any other path is relative to the repository. */
function readNotebook(file: string): Cell[] {
  const path = isAbsolute(file) ? file : join(repoRoot, file.includes("/") ? file : join("notebooks", file));
  return (JSON.parse(readFileSync(path, "utf8")) as { cells: Cell[] }).cells;
}

/** The notebook's prose: its markdown cells, joined. */
export function notebookProse(file: string): string {
  return readNotebook(file)
    .filter((cell) => cell.cell_type === "markdown")
    .map((cell) => joined(cell.source))
    .join("\n");
}

/**
 * The text each code cell printed (stdout and text/plain results, in order): [0] is cell 1, i.e. In [1].
 * `file` is relative to the repository; a bare name like "01-tokens.ipynb" is looked up in notebooks/.
 */
export function notebookOutputs(file: string): string[] {
  return readNotebook(file)
    .filter((cell) => cell.cell_type === "code" && joined(cell.source).trim() !== "")
    .map((cell) => (cell.outputs ?? []).map(textOf).join(""));
}
