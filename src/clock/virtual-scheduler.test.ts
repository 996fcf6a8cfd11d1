import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Task } from "./clock.js";
import { VirtualScheduler } from "./virtual-scheduler.js";

describe("VirtualScheduler", () => {
  it("runs events in time order and advances the clock to each", () => {
    const s = new VirtualScheduler();
    const seen: [string, number][] = [];
    s.at(300, () => seen.push(["c", s.now()]));
    s.at(100, () => seen.push(["a", s.now()]));
    s.at(200, () => seen.push(["b", s.now()]));
    s.run();
    expect(seen).toEqual([
      ["a", 100],
      ["b", 200],
      ["c", 300],
    ]);
  });

  it("runs events at the same time in the order they were scheduled", () => {
    const s = new VirtualScheduler();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) s.at(10, () => seen.push(i));
    s.run();
    expect(seen).toEqual([...Array(50).keys()]);
  });

  it("lets events schedule more events, and never moves time backwards", () => {
    const s = new VirtualScheduler();
    const times: number[] = [];
    s.at(50, () => {
      times.push(s.now());
      s.at(10, () => times.push(s.now())); // in the past: runs now, not before
      s.at(70, () => times.push(s.now()));
    });
    s.run();
    expect(times).toEqual([50, 50, 70]);
  });

  it("skips cancelled events and stops at the horizon it is given", () => {
    const s = new VirtualScheduler();
    const seen: string[] = [];
    const cancel = s.at(10, () => seen.push("cancelled"));
    s.at(20, () => seen.push("kept"));
    s.at(5000, () => seen.push("later"));
    cancel();
    s.run(1000);
    expect(seen).toEqual(["kept"]);
    expect(s.now()).toBe(20);
    s.run();
    expect(seen).toEqual(["kept", "later"]);
  });

  it("runs as a plain sorted list would: order, clock, horizon, stop, cancels and done tasks", () => {
    // The model: every event kept in a list, the earliest (then first scheduled) run next.
    class ListScheduler {
      private events: { atMs: number; seq: number; task: Task }[] = [];
      private seq = 0;
      private current = 0;
      now = () => this.current;
      at(atMs: number, fn: () => void) {
        const task = { done: false, run: fn };
        this.post(atMs, task);
        return () => {
          task.done = true;
        };
      }
      post(atMs: number, task: Task) {
        this.events.push({ atMs: Math.max(atMs, this.current), seq: this.seq++, task });
      }
      get pending() {
        return this.events.length;
      }
      run(untilMs = Number.POSITIVE_INFINITY, shouldStop: () => boolean = () => false) {
        let ran = 0;
        while (this.events.length > 0) {
          let next = 0;
          for (let i = 1; i < this.events.length; i++) {
            const a = this.events[i]!;
            const b = this.events[next]!;
            if (a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq)) next = i;
          }
          const event = this.events[next]!;
          if (event.atMs > untilMs) break;
          this.events.splice(next, 1);
          if (event.task.done) continue;
          this.current = event.atMs;
          event.task.run();
          ran++;
          if (shouldStop()) break;
        }
        if (
          untilMs !== Number.POSITIVE_INFINITY &&
          untilMs > this.current &&
          this.events.length === 0
        )
          this.current = untilMs;
        return ran;
      }
    }
    type Sched = VirtualScheduler | ListScheduler;

    // A script: events at coarse times (many ties), some posted as tasks, some cancelled
    // or marked done before they run, some scheduling more; run in slices, some stopped early.
    const event = fc.record({
      atMs: fc.integer({ min: 0, max: 60 }),
      post: fc.boolean(),
      cancel: fc.boolean(),
      spawn: fc.nat(3),
    });
    const script = fc.record({
      // Some past the heap's first 1,024 slots, so it grows while full.
      events: fc.oneof(
        fc.array(event, { minLength: 1, maxLength: 40 }),
        fc.array(event, { minLength: 1100, maxLength: 1400 }),
      ),
      slices: fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 4 }),
      stopEvery: fc.integer({ min: 0, max: 50 }),
    });

    type ScriptEvent = { atMs: number; post: boolean; cancel: boolean; spawn: number };
    type Script = { events: ScriptEvent[]; slices: number[]; stopEvery: number };
    const play = (s: Sched, sc: Script) => {
      const log: string[] = [];
      let n = 0;
      const cancels: (() => void)[] = [];
      const schedule = (label: string, e: ScriptEvent, depth: number) => {
        const run = () => {
          log.push(`${label}@${s.now()}`);
          if (depth < 2)
            for (let k = 0; k < e.spawn; k++)
              schedule(`${label}.${k}`, { ...e, atMs: s.now() + ((e.atMs + k) % 7) }, depth + 1);
        };
        if (e.post) {
          const task: Task = { done: false, run };
          s.post(e.atMs, task);
          if (e.cancel) cancels.push(() => (task.done = true));
        } else {
          const cancel = s.at(e.atMs, run);
          if (e.cancel) cancels.push(cancel);
        }
      };
      for (const [i, e] of sc.events.entries()) schedule(String(i), e, 0);
      for (let i = 0; i < cancels.length; i += 2) cancels[i]!();
      const stop = () => sc.stopEvery > 0 && ++n % sc.stopEvery === 0;
      for (const until of sc.slices)
        log.push(`ran ${s.run(until, stop)} now ${s.now()} pending ${s.pending}`);
      log.push(`ran ${s.run()} now ${s.now()} pending ${s.pending}`);
      return log;
    };

    fc.assert(
      fc.property(script, (sc) => {
        expect(play(new VirtualScheduler(), sc)).toEqual(play(new ListScheduler(), sc));
      }),
      { numRuns: 60 },
    );
  });
});
