import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { LongestFirstSequencer } from "./test/longestFirst.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/countReporter.ts"],
    // Tests that spawn node, python or Jupyter take seconds on a contended CPU: vitest's 5 s default fails them there.
    testTimeout: 60_000,
    // vitest's default on 2 cores is one worker, which runs the two notebook passes one after the other: two let them overlap.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: LongestFirstSequencer },
  },
});
