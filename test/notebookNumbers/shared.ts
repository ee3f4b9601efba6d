// What the tests of notebooks' numbers share: the notebook's printed text and prose, the series' number format, and
// the Shakespeare data of notebooks 10 to 13, read once per test file.
import { CharTokenizer, TextDataset, readDataText } from "../../lib/index.js";
import { notebookOutputs, notebookProse } from "../notebookOutputs.js";

/** Everything the notebook's code cells printed, joined. */
export const printed = (name: string): string => notebookOutputs(name).join("\n");
/** The notebook's markdown, joined. */
export const prose = notebookProse;
/** 4 decimals, never "-0.0000", as the notebooks print them. */
export const f4 = (v: number): string => (Math.abs(v) < 5e-5 ? 0 : v).toFixed(4);

let data: { text: string; tokenizer: CharTokenizer; dataset: TextDataset } | undefined;
/** tinyshakespeare.txt, its tokenizer and its 90/10 dataset. */
export function shakespeare(): { text: string; tokenizer: CharTokenizer; dataset: TextDataset } {
  if (data === undefined) {
    const text = readDataText("tinyshakespeare.txt");
    data = { text: text, tokenizer: CharTokenizer.fromText(text), dataset: TextDataset.fromText(text) };
  }
  return data;
}
