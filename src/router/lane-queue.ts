/** A FIFO queue with O(1) pops from the front (no Array.shift in the hot path). */
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
      // Make room at the front in one go, so a run of unshifts stays O(1) each.
      const pad = Math.max(16, this.items.length);
      this.items = new Array<T>(pad).fill(undefined as T).concat(this.items);
      this.head = pad;
    }
    this.items[--this.head] = item;
  }
  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
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
