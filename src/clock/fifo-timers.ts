import type { Cancel, Scheduler } from "./clock.js";

interface Timer {
  atMs: number;
  fn: (() => void) | null;
}

/**
 * Timers set in the order they fall due, such as every call's timeout in a lane
 * (now plus the same span): kept in a first-in first-out list with one scheduler
 * event for the lot, the way Node keeps its own timers of equal length. A run sets
 * one timeout per attempt and cancels nearly all of them; in a heap each would cost
 * a push and a pop, here a cancelled one costs nothing but its slot.
 *
 * A timer due before the last one set would break the order: it goes to the
 * scheduler itself.
 */
export class FifoTimers {
  private timers: Timer[] = [];
  private head = 0;
  /** The time the scheduler will next wake this list, if it will. */
  private armedAtMs: number | undefined;
  private cancelArmed: Cancel | undefined;
  /** While due timers run: one they set must not wake the list later than its head. */
  private firing = false;
  private readonly fire = () => this.onFire();

  constructor(private readonly scheduler: Scheduler) {}

  at(atMs: number, fn: () => void): Cancel {
    const last = this.timers.length > this.head ? this.timers[this.timers.length - 1]! : undefined;
    if (last !== undefined && atMs < last.atMs) return this.scheduler.at(atMs, fn);
    const timer: Timer = { atMs, fn };
    this.timers.push(timer);
    if (this.armedAtMs === undefined && !this.firing) this.arm(atMs);
    return () => {
      timer.fn = null;
    };
  }

  /** Cancels every timer still pending (the run is over). */
  dispose(): void {
    this.cancelArmed?.();
    this.cancelArmed = undefined;
    this.armedAtMs = undefined;
    this.timers = [];
    this.head = 0;
  }

  private arm(atMs: number): void {
    this.armedAtMs = atMs;
    this.cancelArmed = this.scheduler.at(atMs, this.fire);
  }

  private onFire(): void {
    this.armedAtMs = undefined;
    this.cancelArmed = undefined;
    const now = this.scheduler.now();
    const timers = this.timers;
    // Run what is due, in the order set; a timer a callback sets lands behind them.
    this.firing = true;
    try {
      // (A callback may dispose of the list: then the rest is dropped.)
      while (
        this.timers === timers &&
        this.head < timers.length &&
        timers[this.head]!.atMs <= now
      ) {
        const timer = timers[this.head++]!;
        const fn = timer.fn;
        timer.fn = null;
        fn?.();
      }
    } finally {
      this.firing = false;
    }
    if (this.timers !== timers) return;
    // Cancelled timers at the front need no wake-up of their own.
    while (this.head < timers.length && timers[this.head]!.fn === null) this.head++;
    if (this.head === timers.length) {
      this.timers = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > timers.length) {
      this.timers = timers.slice(this.head);
      this.head = 0;
    }
    this.arm(this.timers[this.head]!.atMs);
  }
}
