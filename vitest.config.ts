import { defineConfig } from "vitest/config";

// The JSON reporter feeds .ci/run's closing "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // A fresh dist/ for the child-process tests, and one temporary folder for the run.
    globalSetup: ["src/test-support/global-setup.ts"],
    reporters: ["default", ["json", { outputFile: "reports/test-results.json" }]],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
