// What a call may allocate at once: the same cap as one matrix (core/matrix.ts), checked before allocating, so that a
// typo such as blockSize 1e8 fails at once with the size and the bytes, never by hanging or running out of memory.
import { MAX_MATRIX_BYTES, bytesText } from "./matrix.js";

/** Throws unless `bytes` fit the cap: "`fn`: `what` needs 80 GB, more than the 2 GB the lib allocates at once". */
export function checkBytes(fn: string, what: string, bytes: number): void {
  if (!(bytes <= MAX_MATRIX_BYTES)) throw new RangeError(`${fn}: ${what} needs ${bytesText(bytes)}, more than the ${bytesText(MAX_MATRIX_BYTES)} the lib allocates at once`);
}
