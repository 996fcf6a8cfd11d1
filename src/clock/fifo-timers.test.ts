import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collectGarbage } from "../test-support/collect-garbage.js";
import { type FifoTimer, FifoTimers } from "./fifo-timers.js";
import { VirtualScheduler } from "./virtual-scheduler.js";

describe("FifoTimers", () => {
  it("fires each timer once at its time, skips cancelled ones, and wakes the scheduler once per due batch", () => {
    const s = new VirtualScheduler();
    const timers = new FifoTimers(s);
    const fired: [number, number][] = [];
    const cancels = [10, 10, 20, 30, 30, 40].map((at, i) =>
      timers.at(at, () => fired.push([i, s.now()])),
    );
    cancels[1]!();
    cancels[3]!();
    cancels[5]!();
    expect(s.run()).toBe(3); // 10, 20, 30; the cancelled 40 costs no wake-up
    expect(fired).toEqual([
      [0, 10],
      [2, 20],
      [4, 30],
    ]);
  });

  it("hands a timer due before the last one set to the scheduler, so order holds", () => {
    const s = new VirtualScheduler();
    const timers = new FifoTimers(s);
    const fired: number[] = [];
    timers.at(50, () => fired.push(50));
    timers.at(20, () => fired.push(20));
    timers.at(60, () => fired.push(60));
    s.run();
    expect(fired).toEqual([20, 50, 60]);
  });

  it("a timer set while others fire runs after them, at its own time", () => {
    const s = new VirtualScheduler();
    const timers = new FifoTimers(s);
    const fired: string[] = [];
    timers.at(10, () => {
      fired.push(`a@${s.now()}`);
      timers.at(100, () => fired.push(`c@${s.now()}`));
    });
    timers.at(40, () => fired.push(`b@${s.now()}`));
    s.run();
    expect(fired).toEqual(["a@10", "b@40", "c@100"]);
  });

  it("lets go of a timer called off at once, not when the list passes its time", async () => {
    const s = new VirtualScheduler();
    const timers = new FifoTimers(s);
    const kept = timers.at(1_000, () => {}); // an earlier timer: the list stays armed
    // (Set up in a function of its own: a suspended async test would keep its last locals.)
    const refs = setAndCallOff(timers, 50);
    await collectGarbage();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    kept();
  });

  it("after dispose, nothing fires", () => {
    const s = new VirtualScheduler();
    const timers = new FifoTimers(s);
    let fired = 0;
    timers.at(10, () => {
      fired++;
      timers.dispose();
    });
    timers.at(10, () => fired++);
    timers.at(20, () => fired++);
    s.run();
    expect(fired).toBe(1);
  });

  it("fires exactly the uncancelled timers, each at its time, in time order (any schedule)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.nat(50), cancel: fc.boolean(), cancelAt: fc.nat(400) }), {
          maxLength: 200,
        }),
        (specs) => {
          const s = new VirtualScheduler();
          const timers = new FifoTimers(s);
          const fired: { i: number; at: number; now: number }[] = [];
          let at = 0;
          const due: number[] = [];
          specs.forEach((spec, i) => {
            at += spec.gap;
            due.push(at);
            const when = at;
            const cancel = timers.at(when, () => fired.push({ i, at: when, now: s.now() }));
            // Cancel before it is due, or never.
            if (spec.cancel) s.at(Math.min(spec.cancelAt, Math.max(0, when - 1)), cancel);
          });
          s.run();
          for (const f of fired) expect(f.now).toBe(f.at);
          const order = fired.map((f) => f.i);
          expect(order).toEqual([...order].sort((a, b) => a - b));
          const expected = specs
            .map((spec, i) => ({ spec, i }))
            .filter(
              ({ spec, i }) =>
                !spec.cancel || Math.min(spec.cancelAt, Math.max(0, due[i]! - 1)) >= due[i]!,
            )
            .map(({ i }) => i);
          expect(order).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** Sets timers due long after now and calls each off at once; weak references to what they hold. */
function setAndCallOff(timers: FifoTimers, n: number): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < n; i++) {
    const payload = { i };
    refs.push(new WeakRef(payload));
    timers.at(30_000 + i, () => payload)();
    // A caller's own timer (an attempt that is its own timeout), called off the same way.
    const own: FifoTimer & { payload: object } = {
      atMs: 30_000 + i,
      done: false,
      fifoSlot: -1,
      fire: () => {},
      payload: { i },
    };
    refs.push(new WeakRef(own.payload));
    timers.add(own);
    timers.cancel(own);
  }
  return refs;
}
