import { performance } from "node:perf_hooks";
import { IdMap } from "../collections/id-map.js";
import type { Cancel, Scheduler, Task } from "./clock.js";

/**
 * This thread's performance.now() zero on the process's monotonic clock (hrtime),
 * which every thread shares. Threads hand scenario time zero to each other on that
 * clock, not as wall-clock epochs: a wall clock stepped (NTP, a resumed VM) between
 * two threads' starts must not move one's fault windows against the other's.
 */
const MONOTONIC_ORIGIN_MS = monotonicOrigin();

/**
 * performance.now()'s zero on the hrtime clock, read between two performance.now()
 * calls: the tightest of a few brackets. One read of each clock, one after the other,
 * is off by whatever passes between them, and a thread preempted there (a busy
 * machine) put its scenario clock milliseconds behind the other thread's: at 5x, a
 * mock worker still before a fault the harness was already past.
 */
function monotonicOrigin(): number {
  let origin = 0;
  let bracket = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 8; i++) {
    const before = performance.now();
    const hr = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < bracket) {
      bracket = after - before;
      origin = hr - (before + after) / 2;
    }
  }
  return origin;
}

/** Now on the process's monotonic clock, in ms. */
export function monotonicNowMs(): number {
  return MONOTONIC_ORIGIN_MS + performance.now();
}

/**
 * Wall time for live mode, scaled by --speed: at speed 10, ten scenario seconds
 * pass per wall second, so every duration, window and latency shrinks together.
 */
export class RealScheduler implements Scheduler {
  private startWall: number;
  /** Pending timers by number, for dispose (not a Set: see IdMap on why). */
  private readonly timers = new IdMap<NodeJS.Timeout>();
  private nextTimer = 0;
  private disposed = false;

  constructor(
    readonly speed: number,
    private readonly wallNow: () => number = () => performance.now(),
    /** Wall time (on wallNow's scale) of scenario time zero; now when absent. */
    startWall?: number,
  ) {
    this.startWall = startWall ?? wallNow();
  }

  /**
   * A clock on another thread that keeps this run's scenario time: the same zero
   * (on the shared monotonic clock, since each thread's performance.now() has its
   * own origin) and speed.
   */
  static fromMonotonic(speed: number, startMonotonicMs: number): RealScheduler {
    return new RealScheduler(
      speed,
      () => performance.now(),
      startMonotonicMs - MONOTONIC_ORIGIN_MS,
    );
  }

  /**
   * Scenario time zero is now: a live run restarts its clock once the mocks
   * listen, so their start-up is not scenario time. Call before scheduling anything.
   */
  restart(): void {
    this.startWall = this.wallNow();
  }

  /** Moves scenario time zero here (a clock on another thread following a restart). */
  startFromMonotonic(startMonotonicMs: number): void {
    this.startWall = startMonotonicMs - MONOTONIC_ORIGIN_MS;
  }

  /** Scenario time zero on the shared monotonic clock, to hand to a clock on another thread. */
  get startMonotonicMs(): number {
    return MONOTONIC_ORIGIN_MS + this.startWall;
  }

  now(): number {
    return (this.wallNow() - this.startWall) * this.speed;
  }

  /** Wall milliseconds for a span of scenario milliseconds. */
  toWallMs(scenarioMs: number): number {
    return scenarioMs / this.speed;
  }

  at(atMs: number, fn: () => void): Cancel {
    // After the run, late answers may still ask for a callback: nothing is kept alive for them.
    if (this.disposed) return () => {};
    // Whole milliseconds: Node's timers fire on a whole-millisecond loop clock anyway
    // (a 2.3 ms timer fires at 3), but a fractional delay costs a timer list of its
    // own for each distinct value and moves every Timeout object V8 made before it to
    // a new layout (--trace-migration: _idleTimeout), both on live mode's hot path.
    const delay = Math.ceil(Math.max(0, (atMs - this.now()) / this.speed));
    const id = this.nextTimer++;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, delay);
    this.timers.set(id, timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(id);
    };
  }

  post(atMs: number, task: Task): void {
    this.at(atMs, () => {
      if (!task.done) task.run();
    });
  }

  /** Cancels every pending callback, so nothing outlives the run. */
  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
