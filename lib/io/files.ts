// Reading and writing files with errors that name the function and the path: "is a folder", "no such file", "no
// folder ... to write into", instead of Node's bare EISDIR or ENOENT.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe } from "../core/options.js";

function checkPath(fn: string, path: unknown): asserts path is string {
  if (typeof path !== "string" || path === "") throw new TypeError(`${fn}: path must be a file path, got ${describe(path)}`);
}

/** The bytes of a file; a missing file, a folder or an unreadable file is an error naming fn and the path. */
export function readBytes(fn: string, path: string): Uint8Array {
  checkPath(fn, path);
  if (!existsSync(path)) throw new Error(`${fn}: no file ${path} (from ${process.cwd()})`);
  if (statSync(path).isDirectory()) throw new Error(`${fn}: ${path} is a folder, not a file`);
  if (!statSync(path).isFile()) throw new Error(`${fn}: ${path} is not a regular file (a device or a pipe has no end to read to)`);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${fn}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Throws unless a file can be written at path: its folder exists and path is not a folder. Checked before long work. */
export function checkWritable(fn: string, path: string): void {
  checkPath(fn, path);
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) throw new Error(`${fn}: cannot write ${path}: there is no folder ${folder}`);
  if (!statSync(folder).isDirectory()) throw new Error(`${fn}: cannot write ${path}: ${folder} is not a folder`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new Error(`${fn}: cannot write ${path}: it is a folder`);
}

export function writeBytes(fn: string, path: string, bytes: Uint8Array): void {
  checkWritable(fn, path);
  try {
    writeFileSync(path, bytes);
  } catch (error) {
    throw new Error(`${fn}: cannot write ${path}: ${(error as Error).message}`);
  }
}
