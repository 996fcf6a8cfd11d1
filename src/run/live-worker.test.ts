import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { testIo } from "../test-support/test-io.js";
import { testScenario } from "../test-support/test-scenario.js";
import { runScenario } from "./run-scenario.js";
import { fleetTestHooks } from "./worker-fleet.js";

/** Ten minutes of scenario time at 1x: a run that hangs fails the test's timeout instead. */
const LONG = `name: long-live
description: a run far longer than any test may wait for
duration: 10m
speed: 1
vendors:
  vendor-a: { profile: openai }
traffic:
  - { type: constant, lane: interactive, class: chat, rate: 20, prompt: 100, completion: 20, stream: 0.5 }
router:
  classes:
    chat: [vendor-a/gpt-4o-mini]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 100, timeout: 30s, deadline: 60s }
`;

/** Handles of these kinds keep a process alive: a worker shows as a MessagePort. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {
    MessagePort: 0,
    TCPServerWrap: 0,
    TCPSocketWrap: 0,
    Timeout: 0,
  };
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind in counts) counts[kind]!++;
  }
  return counts;
}

describe("live runs and the mocks' worker thread", () => {
  it("a worker that crashes mid-run ends the run with exit 3 and one line, without hanging", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-chaos-crash-"));
    writeFileSync(join(dir, "long.yaml"), LONG);
    const io = testIo(["run", "long.yaml", "--out", join(dir, "out"), "--quiet"], { cwd: dir });
    fleetTestHooks.crashAfterMs = 300;
    let code: number;
    try {
      code = await main(io);
    } finally {
      delete fleetTestHooks.crashAfterMs;
    }
    expect(code).toBe(3);
    expect(io.err()).toBe(`error: the mock vendors' worker crashed: crash injected by a test\n`);
  });

  it("leaves no worker, server, socket or timer behind once a live run ends", async () => {
    const before = handles();
    const scenario = testScenario({ durationMs: 2000, speed: 10 });
    const result = await runScenario(scenario, { mode: "live", seed: 1, speed: 10 });
    expect(result.recorder.ledger.totals()).toMatchObject({ balanced: true });
    expect(result.recorder.ledger.totals().ok).toBeGreaterThan(0);
    // Sockets closed by the other side are reaped a few ticks later; the test
    // runner's own timers may end meanwhile, so none may be more than before.
    const more = () =>
      Object.entries(handles())
        .filter(([kind, n]) => n > before[kind]!)
        .map(([kind]) => kind);
    for (let i = 0; i < 100 && more().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(more()).toEqual([]);
  });
});
