/** Free slots kept at the front after a compaction, so an unshift need not copy. */
const FRONT_ROOM = 16;

/**
 * A FIFO queue with O(1) pops from the front and O(1) amortised pushes back onto it
 * (no Array.shift or Array.unshift in the hot path). The dead prefix left by pops is
 * dropped once it is larger than twice what is live.
 */
export class LaneQueue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  push(item: T): void {
    this.items.push(item);
  }
  unshift(item: T): void {
    if (this.head === 0) {
      // Make room at the front in one go, as much as is live, so a run of unshifts
      // stays O(1) each.
      const pad = Math.max(FRONT_ROOM, this.items.length);
      this.items = new Array<T>(pad).fill(undefined as T).concat(this.items);
      this.head = pad;
    }
    this.items[--this.head] = item;
  }
  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head > 2 * this.length) {
      const live = this.items.slice(this.head);
      this.items = new Array<T>(FRONT_ROOM).fill(undefined as T).concat(live);
      this.head = FRONT_ROOM;
    }
    return item;
  }
  /** The first item that matches, front to back. */
  find(match: (item: T) => boolean): T | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (match(item)) return item;
    }
    return undefined;
  }
}
