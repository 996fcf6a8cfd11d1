import { defineConfig } from "vitest/config";

/**
 * Two groups, one after the other.
 *
 * "unit" runs two files at a time. Vitest's default on this 2-core machine is one
 * (cores - 1), which left a core idle for most of the suite: the same files took
 * 166 s one at a time and about 100 s two at a time.
 *
 * "serial" runs one file at a time, after everything else, with the machine to
 * itself. It holds the tests whose verdict depends on the harness keeping up with
 * real time: a real gateway or redis-server (other processes competing for the
 * two cores), the parity suite (it skips a case whose live run was not trusted, so
 * sharing the cores would quietly weaken it), --speed, and the live young-GC check.
 */
const SERIAL_TESTS = [
  "src/**/*.gateway.test.ts",
  "src/**/*.redis.test.ts",
  "src/run/parity.test.ts",
  "src/run/live-speed.test.ts",
  "src/run/live-young-gc.test.ts",
];

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
          exclude: SERIAL_TESTS,
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: "serial",
          include: SERIAL_TESTS,
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          // The benchmarks are the other project's: run once, not once per project.
          benchmark: { include: [] },
        },
      },
    ],
  },
});
