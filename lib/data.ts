// Finds the project's data/ folder, from the lib's source (lib/) or its build (lib/dist/) alike.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The absolute path of a file in the project's data/ folder. */
export function dataPath(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "data", name);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`dataPath: no data/${name} above ${dirname(fileURLToPath(import.meta.url))}`);
    dir = parent;
  }
}

export function readDataText(name: string): string {
  return readFileSync(dataPath(name), "utf8");
}
