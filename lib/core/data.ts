// Finds the project's data/ folder, from the lib's source (lib/) or its build (lib/dist/) alike.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "./options.js";

/** The absolute path of a file in data/ for op: a name that leads outside data/ (absolute, or through "..") is an error. */
function pathInData(op: string, name: string): string {
  if (typeof name !== "string" || name === "") throw new TypeError(`${op}: name must be a file name in data/, like "document.json", got ${describe(name)}`);
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const data = join(dir, "data");
    if (existsSync(data)) {
      const path = resolve(data, name);
      const inside = relative(data, path);
      if (isAbsolute(name) || inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
        throw new RangeError(`${op}: ${JSON.stringify(name)} is outside data/; give a file name inside data/, like "document.json"`);
      }
      if (!existsSync(path)) throw new Error(`${op}: no data/${name} in ${data}`);
      return path;
    }
    if (dirname(dir) === dir) throw new Error(`${op}: no data/ folder above ${start}`);
  }
}

/** The absolute path of a file in the project's data/ folder. */
export function dataPath(name: string): string {
  return pathInData("dataPath", name);
}

export function readDataText(name: string): string {
  return readFileSync(pathInData("readDataText", name), "utf8");
}
