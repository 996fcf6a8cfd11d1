import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { testIo } from "../test-support/test-io.js";

/**
 * After a live run nothing of it is left: no listening server, no socket, no
 * worker (its message port), no timer. Checked by what node reports as keeping
 * the process alive, so it holds wherever the mocks run (this thread or a worker).
 */
const KINDS = ["TCPServerWrap", "TCPSocketWrap", "PipeWrap", "MessagePort", "Timeout", "Immediate"];

function activeResources(): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
  for (const kind of process.getActiveResourcesInfo())
    if (kind in counts) counts[kind] = counts[kind]! + 1;
  return counts;
}

const SCENARIO = `name: outlives
duration: 10s
speed: 20
vendors:
  vendor-a: { profile: openai }
  vendor-b: { profile: anthropic }
traffic:
  - { type: constant, lane: interactive, class: chat, rate: 10, prompt: 100, completion: 20, stream: 0.5 }
faults:
  # Calls that never answer are still open when the run ends: they must be cut, not left behind.
  - { kind: stall, vendor: vendor-b, probability: 0.5, from: 50% }
router:
  classes:
    chat: [vendor-a/gpt-4o-mini, vendor-b/claude-sonnet-4-5]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 100, timeout: 5s, deadline: 10s }
`;

describe("a live run", () => {
  it("leaves no server, socket, worker or timer behind, stalled calls included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-chaos-outlives-"));
    writeFileSync(join(dir, "outlives.yaml"), SCENARIO);
    const before = activeResources();
    let during: Record<string, number> | undefined;
    const io = testIo(["run", "outlives.yaml", "--out", join(dir, "out")], { cwd: dir });
    const write = io.stderr.write;
    // Sampled at a progress line (a pipe gets one per second of scenario time): the run is live.
    io.stderr.write = (text: string) => {
      if (!during && /\[\d+s \/ 10s/.test(text)) during = activeResources();
      return write(text);
    };
    expect(await main(io)).toBe(0);
    // What a run opens it must have closed by the time it returns, not a tick later.
    const after = activeResources();

    expect(during, io.err()).toBeDefined();
    // It did hold something while it ran (a worker's port, sockets or a server, its clock's timer).
    const held = (counts: Record<string, number>) => KINDS.reduce((n, k) => n + counts[k]!, 0);
    expect(held(during!)).toBeGreaterThan(held(before));
    // Nothing more than before (the test runner's own timers may come and go).
    const extra = KINDS.filter((k) => after[k]! > before[k]!).map(
      (k) => `${k} +${after[k]! - before[k]!}`,
    );
    expect(extra).toEqual([]);
  });
});
