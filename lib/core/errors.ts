// Whose name an error carries. A public function that calls another public one must answer with its own name, the
// one the learner called: "fineTune: ..." for a bad source, never "prepareFineTune: ...".
// How a lib error begins: the function's name, "readCheckpoint: " or "CharTokenizer.encode: ".
const FUNCTION_NAME = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?: /;

/** The error call throws, said by fn: the inner function's name replaced by fn, after it what (e.g. "the prompt's "). */
export function onBehalfOf<T>(fn: string, call: () => T, what = ""): T {
  try {
    return call();
  } catch (error) {
    throw restated(fn, error, what);
  }
}

/** error as fn's: the same kind (TypeError, RangeError, Error), its message after fn's name and what, the original its cause. */
export function restated(fn: string, error: unknown, what = ""): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (what === "" && message.startsWith(`${fn}: `)) return error as Error;
  const Kind = error instanceof TypeError ? TypeError : error instanceof RangeError ? RangeError : Error;
  return new Kind(`${fn}: ${what}${message.replace(FUNCTION_NAME, "")}`, { cause: error });
}
