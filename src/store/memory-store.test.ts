import { describe, expect, it } from "vitest";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { MemoryStore } from "./memory-store.js";
import { describeStoreConformance } from "./store-conformance.js";

describeStoreConformance("in-memory store", async () => {
  const scheduler = new VirtualScheduler();
  const stores: MemoryStore[] = [];
  // Every node of a run shares the one store; "connecting" is holding it, and a
  // node that closes its connection closes only its own handle on it.
  const shared = new MemoryStore(scheduler, 2);
  return {
    connect: () => {
      const handle = shared.handle();
      stores.push(handle);
      return handle;
    },
    settle: async () => {
      scheduler.run(scheduler.now() + 10);
    },
    close: async () => {
      for (const s of stores) await s.close();
    },
  };
});

describe("in-memory store on the virtual clock", () => {
  it("tells other nodes a node's news one round trip after it was published", () => {
    const scheduler = new VirtualScheduler();
    const store = new MemoryStore(scheduler, 4);
    const heardAt: number[] = [];
    store.subscribe("b", () => heardAt.push(scheduler.now()));
    scheduler.run(100);
    store.publish({ node: "a", route: "v/m", kind: "cooldown", atMs: 100, untilMs: 900 });
    scheduler.run(103);
    expect(heardAt).toEqual([]);
    scheduler.run(200);
    expect(heardAt).toEqual([104]);
  });
});
