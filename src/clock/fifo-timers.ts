import type { Cancel, Scheduler } from "./clock.js";

/**
 * A timer the list keeps: due at atMs, fire() runs once then unless done is set
 * first (called off). A caller may hand in its own object (an attempt
 * that is its own timeout), so setting a timer allocates nothing of the list's.
 */
export interface FifoTimer {
  readonly atMs: number;
  done: boolean;
  /** Where the list keeps it (the list's to set; -1 while it keeps it nowhere). */
  fifoSlot: number;
  fire(): void;
}

/** A timer made from a callback, for callers with no object of their own. */
class CallbackTimer implements FifoTimer {
  done = false;
  fifoSlot = -1;
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
 * a push and a pop, here a cancelled one costs an emptied slot.
 *
 * The slot is emptied, not left holding the timer until the list passes it: a lane's
 * timeout is tens of seconds, and at thousands of calls a second the list would hold
 * every attempt of the last half-minute, each one promoted to the old generation by
 * the garbage collector only to die there.
 *
 * A timer due before the last one set would break the order: it goes to the
 * scheduler itself.
 */
export class FifoTimers {
  private timers: (FifoTimer | undefined)[] = [];
  private head = 0;
  /** The slot number of timers[0]: slots count up from the list's start, for good. */
  private base = 0;
  /** The due time of the last timer set in the list (they are in order). */
  private lastAtMs = Number.NEGATIVE_INFINITY;
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
    return () => this.cancel(timer);
  }

  /** Sets a timer of the caller's own; cancel() calls it off (or setting its done). */
  add(timer: FifoTimer): void {
    const { atMs } = timer;
    if (atMs < this.lastAtMs) {
      timer.fifoSlot = -1;
      this.scheduler.at(atMs, () => fireOnce(timer));
      return;
    }
    timer.fifoSlot = this.base + this.timers.length;
    this.timers.push(timer);
    this.lastAtMs = atMs;
    if (this.armedAtMs === undefined && !this.firing) this.arm(atMs);
  }

  /** Calls a timer off, and lets go of it. */
  cancel(timer: FifoTimer): void {
    timer.done = true;
    const i = timer.fifoSlot - this.base;
    if (i >= this.head && i < this.timers.length && this.timers[i] === timer)
      this.timers[i] = undefined;
    timer.fifoSlot = -1;
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
    this.restart();
  }

  private arm(atMs: number): void {
    this.armedAtMs = atMs;
    this.cancelArmed = this.scheduler.at(atMs, this.fire);
  }

  /** An empty list, its slot numbers carrying on from the last. */
  private restart(): void {
    this.base += this.timers.length;
    this.timers = [];
    this.head = 0;
    this.lastAtMs = Number.NEGATIVE_INFINITY;
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
      while (this.timers === timers && this.head < timers.length) {
        const timer = timers[this.head];
        if (timer !== undefined) {
          if (timer.atMs > now) break;
          timers[this.head] = undefined;
          timer.fifoSlot = -1;
        }
        this.head++;
        if (timer !== undefined) fireOnce(timer);
      }
    } finally {
      this.firing = false;
    }
    if (this.timers !== timers) return;
    // Cancelled timers at the front need no wake-up of their own.
    while (this.head < timers.length && (timers[this.head]?.done ?? true)) {
      const timer = timers[this.head];
      if (timer !== undefined) timer.fifoSlot = -1;
      timers[this.head++] = undefined;
    }
    if (this.head === timers.length) {
      this.restart();
      return;
    }
    if (this.head > 1024 && this.head * 2 > timers.length) {
      this.timers = timers.slice(this.head);
      timers.length = 0; // the old array holds nothing alive, wherever it sits
      this.base += this.head;
      this.head = 0;
    }
    this.arm(this.timers[this.head]!.atMs);
  }
}

/** Each timer is reached once (the list passes it, or its own scheduler event runs). */
function fireOnce(timer: FifoTimer): void {
  if (!timer.done) timer.fire();
}
