import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type PacedStream, StreamPacer } from "./stream-pacer.js";

/** Scenario time that moves with the fake timers, at the given speed. */
function fakeClock(speed: number) {
  const started = Date.now();
  return { now: () => (Date.now() - started) * speed, toWallMs: (ms: number) => ms / speed };
}

/** A stream that records the scenario time each token left at, and its writes. */
function recorded(clock: { now(): number }, tokens: number, tokensPerSecond: number) {
  const leftAt: number[] = [];
  const writes: string[] = [];
  let ended = false;
  const stream: PacedStream = {
    startMs: clock.now(),
    tokensPerSecond,
    totalTokens: tokens,
    sent: 0,
    pacerId: -1,
    write: (text) => writes.push(text),
    finish: (text) => {
      writes.push(text);
      ended = true;
    },
  };
  const frameFor = (_: PacedStream, index: number) => {
    leftAt[index] = clock.now();
    return `[${index}]`;
  };
  return { stream, frameFor, leftAt, writes, ended: () => ended };
}

describe("StreamPacer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends a stream due whole within half a tick in one write, ended", () => {
    const clock = fakeClock(1);
    // 20 tokens at a million a second: all due within 0.02 ms of the first.
    const s = recorded(clock, 20, 1_000_000);
    const pacer = new StreamPacer(clock, s.frameFor);
    pacer.add(s.stream);
    expect(s.writes).toEqual([Array.from({ length: 20 }, (_, i) => `[${i}]`).join("")]);
    expect(s.ended()).toBe(true);
    expect(pacer.open).toBe(0);
  });

  for (const speed of [1, 10]) {
    it(`sends each token within half a tick of its time, early or late (speed ${speed})`, () => {
      const clock = fakeClock(speed);
      // A token every 7 scenario ms against a 5 ms wall tick: due times fall all over it.
      const s = recorded(clock, 40, 1000 / 7);
      const pacer = new StreamPacer(clock, s.frameFor, 5);
      vi.advanceTimersByTime(1.3);
      s.stream.startMs = clock.now();
      pacer.add(s.stream);
      for (let i = 0; i < 400 && !s.ended(); i++) vi.advanceTimersByTime(1);
      expect(s.ended()).toBe(true);
      const halfTick = 2.5 * speed;
      const offsets = s.leftAt.map((at, i) => at - (s.stream.startMs + i * 7));
      expect(offsets[0]).toBe(0); // the first token at its time, never before
      for (const offset of offsets) {
        expect(offset).toBeGreaterThanOrEqual(-halfTick - 1e-9);
        expect(offset).toBeLessThanOrEqual(halfTick + 1e-9);
      }
      // Some early and some late: centred on the tokens' times, not always behind them.
      expect(offsets.some((o) => o < 0)).toBe(true);
      expect(offsets.some((o) => o > 0)).toBe(true);
    });
  }
});
