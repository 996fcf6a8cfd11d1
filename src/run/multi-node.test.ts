import { describe, expect, it } from "vitest";
import type { JsonReport } from "../report/json-report.js";
import { multiNodeSim as multiNode, wastedAfterFirst } from "../test-support/multi-node.js";

const finding = (report: JsonReport, id: string) => report.findings.find((f) => f.id === id)!;

describe("multi-node drill (P20), sim", () => {
  it("with a shared store the other nodes stop before they hit the 429s one node heard", async () => {
    const shared = await multiNode();
    const alone = await multiNode("store=none");
    for (const report of [shared, alone]) expect(report.ledger.balanced).toBe(true);
    // Alone, each of the three nodes pays its own 429 every spell...
    expect(alone.faults.map((f) => f.wastedAttempts)).toEqual([3, 3, 3]);
    expect(wastedAfterFirst(alone)).toBeGreaterThanOrEqual(6);
    // ...and sends into a Retry-After another node was already given.
    expect(finding(alone, "sendsAfter429").value).toBeGreaterThan(0);
    // Shared: at most a third of that (the bar); here none at all.
    expect(wastedAfterFirst(shared)).toBeLessThanOrEqual(wastedAfterFirst(alone) / 3);
    expect(finding(shared, "sendsAfter429").value).toBe(0);
    // Every user was served either way: the nodes sent elsewhere while A cooled down.
    expect(shared.thresholds.filter((t) => !t.ok)).toEqual([]);
    expect(alone.thresholds.filter((t) => !t.ok).map((t) => t.expr)).toEqual([
      "vendor-a.errors.throttled<=6",
    ]);
  });

  it("reports the nodes, their store and each node's share of the traffic", async () => {
    const report = await multiNode();
    const store = report.store!;
    expect(store).toMatchObject({
      kind: "memory",
      nodes: 3,
      url: null,
      roundTripMs: 1,
      failed: 0,
      outages: [],
    });
    // Three spells: a cooldown told by one node each time, heard by the other two.
    expect(store.published).toBeGreaterThanOrEqual(3);
    expect(store.heard).toBe(2 * store.published);
    // Each node took every third request.
    expect(store.perNode.map((n) => n.node)).toEqual(["node-1", "node-2", "node-3"]);
    const taken = store.perNode.map((n) => n.requests);
    expect(taken.reduce((a, b) => a + b, 0)).toBe(report.ledger.generated);
    expect(Math.max(...taken) - Math.min(...taken)).toBeLessThanOrEqual(1);
    // The event log names the node of each event, and which it only heard of.
    expect(report.router.events.some((e) => e.node === "node-2" && e.heard)).toBe(true);
  });

  it("one node is one router: no store section, and the same run as before nodes existed", async () => {
    const one = await multiNode("nodes=1");
    expect(one.store).toBeNull();
    expect(one.router.events.every((e) => e.node === undefined)).toBe(true);
  });
});
