import { defineConfig } from "vitest/config";

/**
 * Tests that start a real gateway or run live beside a real redis-server (other
 * processes competing for this machine's two cores) run after everything else, on
 * their own: the live timing of the parity suite must not share the machine with them.
 */
const GATEWAY_TESTS = ["src/**/*.gateway.test.ts", "src/**/*.redis.test.ts"];

// The JSON reporter feeds .ci/run's closing "N passed, N failed" line.
export default defineConfig({
  test: {
    // A fresh dist/ for the child-process tests, and one temporary folder for the run.
    globalSetup: ["src/test-support/global-setup.ts"],
    reporters: ["default", ["json", { outputFile: "reports/test-results.json" }]],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
          exclude: GATEWAY_TESTS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "gateway",
          include: GATEWAY_TESTS,
          sequence: { groupOrder: 1 },
          // One file at a time: a live run must not share the cores with Portkey.
          fileParallelism: false,
          // The benchmarks are the other project's: run once, not once per project.
          benchmark: { include: [] },
        },
      },
    ],
  },
});
