import { performance } from "node:perf_hooks";
import type { Cancel, Scheduler } from "./clock.js";

/**
 * Wall time for live mode, scaled by --speed: at speed 10, ten scenario seconds
 * pass per wall second, so every duration, window and latency shrinks together.
 */
export class RealScheduler implements Scheduler {
  private readonly startWall: number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly speed: number,
    private readonly wallNow: () => number = () => performance.now(),
  ) {
    this.startWall = wallNow();
  }

  now(): number {
    return (this.wallNow() - this.startWall) * this.speed;
  }

  /** Wall milliseconds for a span of scenario milliseconds. */
  toWallMs(scenarioMs: number): number {
    return scenarioMs / this.speed;
  }

  at(atMs: number, fn: () => void): Cancel {
    const delay = Math.max(0, (atMs - this.now()) / this.speed);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delay);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Cancels every pending callback, so nothing outlives the run. */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
