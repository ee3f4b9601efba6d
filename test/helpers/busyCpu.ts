// Contends the CPU on purpose, as a learner's browser and editor (or CI's other jobs) do: busy Node processes
// beside a test, always stopped when it ends, and each stopping itself after a while should the test process die.
import { spawn, type ChildProcess } from "node:child_process";

const selfStopMs = 20 * 60 * 1000;

/** Runs `work` while `processes` busy loops (default 2, one per core of CI's machine) compete with it for the CPU. */
export async function withBusyCpu<T>(work: () => Promise<T>, processes = 2): Promise<T> {
  const loops: ChildProcess[] = [];
  const stop = () => {
    for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill("SIGKILL");
  };
  process.once("exit", stop);
  try {
    for (let i = 0; i < processes; i++) {
      loops.push(spawn(process.execPath, ["-e", `const end = Date.now() + ${selfStopMs}; while (Date.now() < end) {}`], { stdio: "ignore" }));
    }
    return await work();
  } finally {
    const exited = loops.map((loop) => (loop.exitCode !== null || loop.signalCode !== null ? Promise.resolve() : new Promise((resolve) => loop.once("exit", resolve))));
    stop();
    await Promise.all(exited);
    process.off("exit", stop);
  }
}
