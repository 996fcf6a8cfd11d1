import type { Cancel, Scheduler, Task } from "./clock.js";

const INITIAL_CAPACITY = 1024;

/**
 * A callback scheduled with at(): a task of its own, so the heap holds only tasks.
 * It lets go of the callback once run or cancelled (a caller may keep the cancel
 * function long after).
 */
class CallbackTask implements Task {
  done = false;
  constructor(private fn: (() => void) | null) {}

  run(): void {
    const fn = this.fn!;
    this.fn = null;
    fn();
  }

  cancel(): void {
    this.done = true;
    this.fn = null;
  }
}

/**
 * Virtual time for sim mode: a binary min-heap of events ordered by time, then by
 * the order they were scheduled, so that equal times run first-in first-out and
 * the same inputs always give the same sequence.
 *
 * The heap is three parallel arrays (time and sequence in typed arrays, the task
 * beside them), not an object per event: a sim run schedules a few events per
 * request, thousands pending at once, and an entry object each was both
 * allocation and, while pending, work for every young-generation collection.
 */
export class VirtualScheduler implements Scheduler {
  private times = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private tasks: (Task | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private size = 0;
  private seq = 0;
  private current = 0;

  now(): number {
    return this.current;
  }

  at(atMs: number, fn: () => void): Cancel {
    const task = new CallbackTask(fn);
    this.push(Math.max(atMs, this.current), task);
    return () => task.cancel();
  }

  post(atMs: number, task: Task): void {
    this.push(Math.max(atMs, this.current), task);
  }

  get pending(): number {
    return this.size;
  }

  /**
   * Runs events in time order until none is left, the next one lies beyond
   * untilMs, or shouldStop() says so. Returns the number of events run.
   */
  run(untilMs = Number.POSITIVE_INFINITY, shouldStop: () => boolean = () => false): number {
    let ran = 0;
    while (this.size > 0) {
      const atMs = this.times[0]!;
      if (atMs > untilMs) break;
      const task = this.tasks[0]!;
      this.pop();
      if (task.done) continue; // cancelled
      this.current = atMs;
      task.run();
      ran++;
      if (shouldStop()) break;
    }
    if (untilMs !== Number.POSITIVE_INFINITY && untilMs > this.current && this.size === 0) {
      this.current = untilMs;
    }
    return ran;
  }

  // Sifts move a hole rather than swapping pairs: half the writes, no temporaries.
  private push(atMs: number, task: Task): void {
    if (this.size === this.times.length) this.grow();
    const { times, seqs, tasks } = this;
    const seq = this.seq++;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const t = times[parent]!;
      // Earlier time first; at equal times, the one scheduled first. (Written as "not
      // before", as the comparison always was, so a NaN time sorts as it always did.)
      if (!(atMs < t || (atMs === t && seq < seqs[parent]!))) break;
      times[i] = t;
      seqs[i] = seqs[parent]!;
      tasks[i] = tasks[parent];
      i = parent;
    }
    times[i] = atMs;
    seqs[i] = seq;
    tasks[i] = task;
  }

  /** Removes the top: the last entry sinks from the root to its place. */
  private pop(): void {
    const { times, seqs, tasks } = this;
    const n = --this.size;
    const atMs = times[n]!;
    const seq = seqs[n]!;
    const task = tasks[n];
    tasks[n] = undefined; // holds nothing it no longer schedules
    if (n === 0) {
      tasks[0] = undefined;
      return;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n) {
        const tr = times[r]!;
        const tl = times[l]!;
        if (tr < tl || (tr === tl && seqs[r]! < seqs[l]!)) child = r;
      }
      const tc = times[child]!;
      if (!(tc < atMs || (tc === atMs && seqs[child]! < seq))) break;
      times[i] = tc;
      seqs[i] = seqs[child]!;
      tasks[i] = tasks[child];
      i = child;
    }
    times[i] = atMs;
    seqs[i] = seq;
    tasks[i] = task;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    times.set(this.times);
    const seqs = new Float64Array(capacity);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
    for (let i = this.tasks.length; i < capacity; i++) this.tasks.push(undefined);
  }
}
