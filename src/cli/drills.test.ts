import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JsonReport } from "../report/json-report.js";
import { builtInScenarioNames } from "../scenario/registry.js";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

/**
 * The nine standard drills of the playbook, each able to tell a good router config
 * from a bad one: under the playbook preset every threshold holds (exit 0); under
 * the naive preset the threshold the drill is about fails (exit 1).
 */
const DRILLS: Record<string, RegExp> = {
  "lunch-rush": /^interactive\.ok\.rate/,
  "vendor-outage": /^interactive\.ok\.rate/,
  "429-storm": /^(all\.attempts\.perRequest|vendor-a\.errors\.throttled)/,
  "slow-vendor": /^interactive\.latency\.p95/,
  "bursty-refill": /^vendor-a\.errors\.throttled/,
  "retry-storm": /^all\.attempts\.perRequest/,
  "large-prompts": /^vendor-a\.errors\.throttled/,
  "noisy-tenant": /^(quiet-co|small-co)\.ok\.rate/,
  "batch-contention": /^interactive\.ok\.rate/,
};

async function run(drill: string, router: string) {
  const io = testIo([
    "run",
    drill,
    "--mode",
    "sim",
    "--json",
    "--router",
    router,
    "--out",
    mkdtempSync(join(tmpdir(), "gw-chaos-drill-")),
  ]);
  const code = await main(io);
  return { code, report: JSON.parse(io.out()) as JsonReport, err: io.err() };
}

describe("the nine drills", () => {
  it("are all built in", () => {
    expect(builtInScenarioNames()).toEqual(expect.arrayContaining(Object.keys(DRILLS)));
  });

  it.each(Object.entries(DRILLS))(
    "%s: the playbook holds every threshold, the naive router fails the one the drill is about",
    async (drill, about) => {
      const playbook = await run(drill, "playbook");
      expect(playbook.report.thresholds.filter((t) => !t.ok)).toEqual([]);
      expect(playbook.code).toBe(0);
      const naive = await run(drill, "naive");
      expect(naive.code).toBe(1);
      const failed = naive.report.thresholds.filter((t) => !t.ok).map((t) => t.expr);
      expect(failed.some((expr) => about.test(expr))).toBe(true);
      // Whatever happened, no request was lost.
      expect(playbook.report.ledger.balanced && naive.report.ledger.balanced).toBe(true);
    },
  );
});
