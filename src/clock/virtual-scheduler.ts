import type { Cancel, Scheduler, Task } from "./clock.js";

/** Earlier time first; at equal times, the one scheduled first. */
function before(a: Entry, b: Entry): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

interface Entry {
  atMs: number;
  seq: number;
  /** A callback (at) or a task (post); both null once run or cancelled. */
  fn: (() => void) | null;
  task: Task | null;
}

/**
 * Virtual time for sim mode: a binary min-heap of events ordered by time, then by
 * the order they were scheduled, so that equal times run first-in first-out and
 * the same inputs always give the same sequence.
 */
export class VirtualScheduler implements Scheduler {
  private heap: Entry[] = [];
  private seq = 0;
  private current = 0;

  now(): number {
    return this.current;
  }

  at(atMs: number, fn: () => void): Cancel {
    const entry: Entry = { atMs: Math.max(atMs, this.current), seq: this.seq++, fn, task: null };
    this.push(entry);
    return () => {
      entry.fn = null;
    };
  }

  post(atMs: number, task: Task): void {
    this.push({ atMs: Math.max(atMs, this.current), seq: this.seq++, fn: null, task });
  }

  get pending(): number {
    return this.heap.length;
  }

  /**
   * Runs events in time order until none is left, the next one lies beyond
   * untilMs, or shouldStop() says so. Returns the number of events run.
   */
  run(untilMs = Number.POSITIVE_INFINITY, shouldStop: () => boolean = () => false): number {
    let ran = 0;
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (top.atMs > untilMs) break;
      this.pop();
      const { fn, task } = top;
      top.fn = null;
      top.task = null;
      if (fn !== null) {
        this.current = top.atMs;
        fn();
      } else if (task !== null && !task.done) {
        this.current = top.atMs;
        task.run();
      } else {
        continue; // cancelled
      }
      ran++;
      if (shouldStop()) break;
    }
    if (untilMs !== Number.POSITIVE_INFINITY && untilMs > this.current && this.heap.length === 0) {
      this.current = untilMs;
    }
    return ran;
  }

  // Sifts move a hole rather than swapping pairs: half the writes, no temporaries.
  private push(entry: Entry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent]!;
      if (!before(entry, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
      const below = heap[child]!;
      if (!before(below, last)) break;
      heap[i] = below;
      i = child;
    }
    heap[i] = last;
  }
}
