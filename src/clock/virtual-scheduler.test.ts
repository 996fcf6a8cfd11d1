import { describe, expect, it } from "vitest";
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
});
