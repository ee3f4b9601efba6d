// tslab's sends, fixed (scripts/tslabPatch.mjs): zeromq refuses a send while it finishes a deferred one, which lost
// outputs and the "idle" status that ends a cell in JupyterLab. The browser test and test/manyOutputs.test.ts run a
// notebook that used to lose them; here, the premise, a shutdown that used to drop the messages still waiting, and the
// patch itself.
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { Publisher, Subscriber } from "zeromq";
import { freePort } from "../scripts/port.mjs";
import { patchedJupyterSource, patchTslab, tslabJupyterFile } from "../scripts/tslabPatch.mjs";

// A request as Jupyter signs it, without the routing identity (the kernel's replies on its own socket go nowhere).
function signedRequest(key: string, msgType: string, msgId: string): Buffer[] {
  const header = { msg_id: msgId, msg_type: msgType, session: "test", username: "test", version: "5.3", date: "" };
  const parts = [header, {}, {}, {}].map((part) => JSON.stringify(part));
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return [Buffer.from("<IDS|MSG>"), Buffer.from(hmac.digest("hex")), ...parts.map((part) => Buffer.from(part))];
}

describe("tslab's sends", () => {
  // As registering the kernel does (npm install, npm start, the runner): a worktree installed before the fix gets it here.
  beforeAll(() => {
    patchTslab();
  });

  it("zeromq defers the 513th send in a row and refuses the next one until it went out", async () => {
    const publisher = new Publisher();
    try {
      await publisher.bind("tcp://127.0.0.1:*");
      const sends: Promise<void>[] = [];
      let refused: unknown;
      try {
        while (sends.length < 600) sends.push(publisher.send(`message ${sends.length}`));
      } catch (error) {
        refused = error;
      }
      await Promise.all(sends);
      expect(sends).toHaveLength(513);
      expect(refused).toMatchObject({ code: "EBUSY", message: "Socket is busy writing; only one send operation may be in progress at any time" });
    } finally {
      publisher.close();
    }
  });

  it("zeromq refuses a send while the socket still binds, with the same EBUSY code", async () => {
    const publisher = new Publisher();
    try {
      const binding = publisher.bind("tcp://127.0.0.1:*");
      let refused: unknown;
      try {
        await publisher.send("too early");
      } catch (error) {
        refused = error;
      }
      await binding;
      expect(refused).toMatchObject({ code: "EBUSY" });
    } finally {
      publisher.close();
    }
  });

  it("a kernel asked to shut down sends every message it was given before closing its sockets", async () => {
    const { ZmqServer } = createRequire(import.meta.url)(tslabJupyterFile());
    const folder = mkdtempSync(join(tmpdir(), "tslab-shutdown-"));
    const key = "secret";
    const ports: Record<string, number> = {};
    for (const name of ["iopub", "shell", "control", "stdin", "hb"]) ports[`${name}_port`] = await freePort();
    writeFileSync(join(folder, "connection.json"), JSON.stringify({ transport: "tcp", ip: "127.0.0.1", key, signature_scheme: "hmac-sha256", ...ports }));
    const kernel = new ZmqServer({ handleKernel: () => ({}), handleShutdown: () => ({ restart: false }), close: () => {} }, join(folder, "connection.json"));
    const outputs = new Subscriber();
    try {
      await kernel.init();
      outputs.connect(`tcp://127.0.0.1:${ports.iopub_port}`);
      outputs.subscribe();
      const statuses: string[] = [];
      void (async () => {
        for await (const frames of outputs) statuses.push(JSON.parse(frames[frames.length - 1].toString()).execution_state);
      })();
      // A subscriber hears nothing sent before it joined: knock until it hears.
      while (statuses.length === 0) {
        kernel.handleShellMessage(kernel.control, ...signedRequest(key, "kernel_info_request", "knock"));
        await sleep(20);
      }
      await sleep(100);
      const heard = statuses.length;
      // 300 requests, then a shutdown, in one go: 602 statuses (busy, idle), past zeromq's 512 sends before it defers.
      for (let i = 0; i < 300; i++) kernel.handleShellMessage(kernel.control, ...signedRequest(key, "kernel_info_request", `request ${i}`));
      kernel.handleShellMessage(kernel.control, ...signedRequest(key, "shutdown_request", "shutdown"));
      for (let waited = 0; statuses.length < heard + 602 && waited < 5000; waited += 50) await sleep(50);
      expect(statuses.length - heard).toBe(602);
      expect(statuses.at(-1)).toBe("idle");
    } finally {
      outputs.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("the installed tslab carries the fix (a refused send retried from the event loop), and applying it again changes nothing", () => {
    const file = tslabJupyterFile();
    expect(patchTslab(file)).toBe(false);
    const source = readFileSync(file, "utf8");
    expect(source).toContain("const retry = () => setTimeout(() => sendWhileFree(sock, state), 1);");
    expect(source).toContain("        sendInTurn(sock, heads.concat(bodies));");
    expect(source).toContain("new zmq.Publisher({ sendHighWaterMark: 0 })");
    expect(source).toContain("await Promise.all([this.iopub, this.shell, this.control].map(allSent));");
    expect(source).not.toContain("sock.send(heads.concat(bodies))");
  });

  it("patches tslab 1.0.22's own text and refuses any other", () => {
    const original = readFileSync(join(dirname(tslabJupyterFile()), "jupyter.orig.js"), "utf8");
    expect(original).toContain("        sock.send(heads.concat(bodies));");
    expect(patchedJupyterSource(original)).toBe(readFileSync(tslabJupyterFile(), "utf8"));
    expect(() => patchedJupyterSource(original.replace("class ZmqMessage {", "class Message {"), "x/jupyter.js")).toThrow(
      'x/jupyter.js is not the tslab 1.0.22 that scripts/tslabPatch.mjs fixes ("class ZmqMessage {" found 0 times): update the patch for this tslab',
    );
    expect(() => patchedJupyterSource(patchedJupyterSource(original), "x/jupyter.js")).toThrow("x/jupyter.js is patched already: patch tslab's own text, kept in jupyter.orig.js");
  });
});
