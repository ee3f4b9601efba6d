import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/countReporter.ts"],
    // Tests that spawn node, python or Jupyter take seconds on a contended CPU: vitest's 5 s default fails them there.
    testTimeout: 60_000,
  },
});
