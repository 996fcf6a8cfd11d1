import { afterEach, describe, expect, it, vi } from "vitest";
import { RealScheduler } from "./real-scheduler.js";

describe("RealScheduler", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("hands Node whole milliseconds, however fractional the scenario time", () => {
    // A fractional delay costs Node a timer list per distinct value; it fires on a
    // whole-millisecond clock anyway.
    const delays: number[] = [];
    const real = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return real(fn, ms);
    }) as typeof setTimeout);
    // A wall clock that stands still, so the delays asked for are exact.
    const clock = new RealScheduler(3, () => 500);
    for (const ahead of [0.4, 2.3, 7.77, 1000 / 3]) clock.at(clock.now() + ahead, () => {});
    clock.dispose();
    // Never earlier than asked: 1000/3 scenario ms at speed 3 is 111.1 wall ms.
    expect(delays).toEqual([1, 1, 3, 112]);
  });

  it("fires callbacks in the order of their scenario times", async () => {
    const clock = new RealScheduler(10);
    const start = clock.now();
    const fired: string[] = [];
    const targets = { c: 31.7, a: 0.3, b: 12.25 };
    await new Promise<void>((resolve) => {
      for (const [label, ahead] of Object.entries(targets)) {
        clock.at(start + ahead, () => {
          fired.push(label);
          if (fired.length === 3) resolve();
        });
      }
    });
    // (Not "no earlier than": Node counts a timer from its loop's cached time, which
    // may be a little behind the scenario clock when the timer is set.)
    expect(fired).toEqual(["a", "b", "c"]);
  });
});
