// A small fix to tslab 1.0.22, applied to node_modules/tslab whenever the project registers its kernel (npm install,
// npm start, the notebook runner, the browser test). tslab sends each Jupyter message with zeromq 6's socket.send()
// and never waits for it. zeromq allows one send in flight per socket, and after 512 sends in a row that completed at
// once it defers the next to the event loop; any send before that one went out throws "Socket is busy writing", and
// tslab loses the message: an output, a failing cell's error text, or the "idle" status without which JupyterLab
// shows the cell running forever. Notebook 12's training cell sends an output per step and hit this near step 450.
// And zeromq's publisher drops messages past its high-water mark of 1000 queued, which a busy machine reaches when a cell
// prints a thousand lines at once. The fix: each socket sends one message at a time, the others wait their turn in
// order, the outputs' socket queues without limit (Jupyter Server reads it as fast as it can), and a kernel asked to
// shut down closes its sockets only once they are sent.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { repoRoot } from "./repo.mjs";

const marker = "// thelittlebaby: one zeromq send in flight per socket (scripts/tslabPatch.mjs)";

const sendInTurn = `${marker}
// Per socket: the messages that wait, in order, for zeromq to finish a send (it says EBUSY until then), and that send.
const sendStates = new WeakMap();
function sendInTurn(sock, frames) {
    let state = sendStates.get(sock);
    if (state === undefined) {
        state = { waiting: [], last: Promise.resolve() };
        sendStates.set(sock, state);
    }
    state.waiting.push(frames);
    if (state.waiting.length === 1) {
        sendWhileFree(sock, state);
    }
}
function sendWhileFree(sock, state) {
    while (state.waiting.length > 0) {
        try {
            state.last = sock.send(state.waiting[0]);
            state.last.catch(reportLost);
        }
        catch (error) {
            if (error.code === "EBUSY") {
                // Busy writing our last send, or blocked by a bind still under way (whose promise is not ours, so
                // state.last may have settled): retry from the event loop, never from a microtask, which would keep
                // zeromq from ever finishing the bind and spin the kernel until its heap ran out.
                const retry = () => setTimeout(() => sendWhileFree(sock, state), 1);
                state.last.then(retry, retry);
                return;
            }
            reportLost(error);
        }
        state.waiting.shift();
    }
}
// Resolves once every message handed to sock went out (or failed), or after 2 s: a kernel asked to shut down closes
// its sockets after this, so that its last messages (the shutdown's reply, the "idle" status) are not lost.
function allSent(sock) {
    const state = sendStates.get(sock);
    if (state === undefined) return Promise.resolve();
    const sent = new Promise((resolve) => {
        const check = () => (state.waiting.length === 0 ? state.last.then(resolve, resolve) : setTimeout(check, 1));
        check();
    });
    return Promise.race([sent, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
}
function reportLost(error) {
    // To the kernel's own stderr, which Jupyter Server logs: the cell's stderr is the socket that failed.
    try {
        fs_1.default.writeSync(2, \`tslab: a message to Jupyter was lost: \${error && error.message}\\n\`);
    }
    catch (_) { }
}
class ZmqMessage {`;

/** The edits to tslab/dist/jupyter.js, each found exactly once in tslab 1.0.22's text. */
const edits = [
  { find: "class ZmqMessage {", replace: sendInTurn },
  { find: "        sock.send(heads.concat(bodies));", replace: "        sendInTurn(sock, heads.concat(bodies));" },
  // zeromq's publisher drops messages past its high-water mark (1000) when Jupyter reads slower than a cell prints.
  // tslab closed its sockets at once after a shutdown request, dropping the messages still waiting their turn.
  {
    find: "            // TODO: Write tests for the graceful termination.\n            this.close();",
    replace: "            await Promise.all([this.iopub, this.shell, this.control].map(allSent));\n            this.close();",
  },
  { find: "        this.iopub = new zmq.Publisher();", replace: "        this.iopub = new zmq.Publisher({ sendHighWaterMark: 0 });" },
];

/** The tslab/dist/jupyter.js this project's kernel runs. */
export function tslabJupyterFile() {
  const manifest = createRequire(join(repoRoot, "package.json")).resolve("tslab/package.json");
  return join(dirname(manifest), "dist", "jupyter.js");
}

const count = (text, part) => text.split(part).length - 1;

/** tslab 1.0.22's jupyter.js with the fix; an error naming `file` when the text is not that version's. */
export function patchedJupyterSource(source, file = "tslab/dist/jupyter.js") {
  if (source.includes(marker)) throw new Error(`${file} is patched already: patch tslab's own text, kept in jupyter.orig.js`);
  for (const { find } of edits) {
    if (count(source, find) !== 1) {
      throw new Error(`${file} is not the tslab 1.0.22 that scripts/tslabPatch.mjs fixes (${JSON.stringify(find.trim())} found ${count(source, find)} times): update the patch for this tslab`);
    }
  }
  return edits.reduce((text, { find, replace }) => text.replace(find, () => replace), source);
}

/**
 * Applies the fix to the installed tslab, from tslab's own text (kept beside it as jupyter.orig.js), so that a newer
 * version of the fix replaces an older one. Returns whether it changed the file.
 */
export function patchTslab(file = tslabJupyterFile()) {
  const original = join(dirname(file), "jupyter.orig.js");
  const current = readFileSync(file, "utf8");
  if (!existsSync(original)) {
    if (current.includes(marker)) throw new Error(`${relative(repoRoot, file)} is patched but tslab's own text is gone: reinstall tslab (rm -rf node_modules/tslab && npm install)`);
    writeFileSync(original, current);
  }
  const patched = patchedJupyterSource(readFileSync(original, "utf8"), relative(repoRoot, original));
  if (patched === current) return false;
  writeFileSync(file, patched);
  return true;
}
