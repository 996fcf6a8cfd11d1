import type { Cancel, Scheduler } from "./clock.js";

/**
 * A timer the list keeps: due at atMs, fire() runs once then unless done is set
 * first (called off). A caller may hand in its own object (an attempt
 * that is its own timeout), so setting a timer allocates nothing of the list's.
 */
export interface FifoTimer {
  readonly atMs: number;
  done: boolean;
  fire(): void;
}

/** A timer made from a callback, for callers with no object of their own. */
class CallbackTimer implements FifoTimer {
  done = false;
  constructor(
    readonly atMs: number,
    private readonly fn: () => void,
  ) {}
  fire(): void {
    this.fn();
  }
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
  private timers: FifoTimer[] = [];
  private head = 0;
  /** The time the scheduler will next wake this list, if it will. */
  private armedAtMs: number | undefined;
  private cancelArmed: Cancel | undefined;
  /** While due timers run: one they set must not wake the list later than its head. */
  private firing = false;
  private readonly fire = () => this.onFire();

  constructor(private readonly scheduler: Scheduler) {}

  at(atMs: number, fn: () => void): Cancel {
    const timer = new CallbackTimer(atMs, fn);
    this.add(timer);
    return () => {
      timer.done = true;
    };
  }

  /** Sets a timer of the caller's own; setting its done calls it off. */
  add(timer: FifoTimer): void {
    const { atMs } = timer;
    const last = this.timers.length > this.head ? this.timers[this.timers.length - 1]! : undefined;
    if (last !== undefined && atMs < last.atMs) {
      this.scheduler.at(atMs, () => fireOnce(timer));
      return;
    }
    this.timers.push(timer);
    if (this.armedAtMs === undefined && !this.firing) this.arm(atMs);
  }

  /**
   * Drops every timer still in the list (the run is over). One set out of order went
   * to the scheduler itself and is not reached here: the engine settles every attempt
   * before it ends, so none of those is live by then.
   */
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
        fireOnce(timers[this.head++]!);
      }
    } finally {
      this.firing = false;
    }
    if (this.timers !== timers) return;
    // Cancelled timers at the front need no wake-up of their own.
    while (this.head < timers.length && timers[this.head]!.done) this.head++;
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

/** Each timer is reached once (the list passes it, or its own scheduler event runs). */
function fireOnce(timer: FifoTimer): void {
  if (!timer.done) timer.fire();
}
