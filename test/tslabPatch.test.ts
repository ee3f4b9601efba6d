// tslab's sends, fixed (scripts/tslabPatch.mjs): zeromq refuses a send while it finishes a deferred one, which lost
// outputs and the "idle" status that ends a cell in JupyterLab. The browser test and test/manyOutputs.test.ts run a
// notebook that used to lose them; here, the premise and the patch itself.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Publisher } from "zeromq";
import { patchedJupyterSource, patchTslab, tslabJupyterFile } from "../scripts/tslabPatch.mjs";

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

  it("the installed tslab carries the fix (a refused send retried from the event loop), and applying it again changes nothing", () => {
    const file = tslabJupyterFile();
    expect(patchTslab(file)).toBe(false);
    const source = readFileSync(file, "utf8");
    expect(source).toContain("const retry = () => setTimeout(() => sendWhileFree(sock, state), 1);");
    expect(source).toContain("        sendInTurn(sock, heads.concat(bodies));");
    expect(source).toContain("new zmq.Publisher({ sendHighWaterMark: 0 })");
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
