import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import type { JsonReport } from "../report/json-report.js";
import { testIo } from "../test-support/test-io.js";

/**
 * `gw-chaos run` over a class whose routes speak different wire formats: an
 * Anthropic vendor first, a Gemini vendor behind it. A throttle on the Anthropic
 * vendor for the middle half moves traffic to Gemini, so both serve. 20 s of
 * scenario time at 20x: about a second of wall time live.
 */
const MIXED = `name: mixed-formats
description: an Anthropic vendor and a Gemini vendor in one class
duration: 20s
speed: 20
vendors:
  vendor-a: { profile: anthropic }
  vendor-b: { profile: gemini }
traffic:
  - type: constant
    lane: interactive
    class: chat
    rate: 5
    prompt: { type: uniform, min: 100, max: 400 }
    completion: { type: uniform, min: 10, max: 60 }
    stream: 0.5
faults:
  - { kind: throttle, vendor: vendor-a, from: 25%, for: 50% }
router:
  classes:
    chat: [vendor-a/claude-haiku-4-5, vendor-b/gemini-2.5-flash]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 100, timeout: 30s, deadline: 60s }
thresholds:
  - all.ledger.balanced==1
`;

async function runMixed(mode: "sim" | "live"): Promise<JsonReport> {
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-mixed-"));
  writeFileSync(join(dir, "mixed.yaml"), MIXED);
  const io = testIo(["run", "mixed.yaml", "--mode", mode, "--json", "--out", join(dir, "out")], {
    cwd: dir,
  });
  const code = await main(io);
  expect(io.err()).toBe("");
  expect(code).toBe(0);
  return JSON.parse(io.out()) as JsonReport;
}

/** What both modes must show: every request booked, both formats serving, only 429s failing. */
function expectBothServe(report: JsonReport, mode: "sim" | "live"): void {
  expect(report.ledger).toMatchObject({ generated: 100, balanced: true });
  const route = (vendor: string) => report.routes.find((r) => r.vendor === vendor)!;
  const anthropic = route("vendor-a");
  const gemini = route("vendor-b");
  for (const r of [anthropic, gemini]) {
    expect(r.status["200"]).toBeGreaterThan(0);
    expect(r.share).toBeGreaterThan(0);
    // Usage read from each vendor's own answer shape.
    expect(r.tokens.prompt).toBeGreaterThan(0);
    expect(r.tokens.completion).toBeGreaterThan(0);
  }
  // The Anthropic vendor's 429s are the only failures: no request a vendor could not
  // read, no answer the harness could not (a loaded machine may still time one out live).
  expect(anthropic.status["429"]).toBeGreaterThan(0);
  const unexpected = (r: typeof anthropic) =>
    Object.keys(r.errors).filter((e) => e !== "throttled" && (mode === "sim" || e !== "timeout"));
  expect(unexpected(anthropic)).toEqual([]);
  expect(unexpected(gemini)).toEqual([]);
  // Streamed answers in both formats had their first token timed.
  expect(report.lanes.interactive!.ttftMs.count).toBeGreaterThan(0);
}

describe("a class that mixes wire formats (Anthropic and Gemini)", () => {
  it("runs in sim mode and serves on both", async () => {
    const report = await runMixed("sim");
    expect(report.mode).toBe("sim");
    expectBothServe(report, "sim");
  });

  it("runs live over real loopback and serves on both", async () => {
    const report = await runMixed("live");
    expect(report.mode).toBe("live");
    expectBothServe(report, "live");
  });
});
