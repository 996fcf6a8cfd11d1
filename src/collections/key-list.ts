/**
 * A small set of strings kept as a list: `has` compares against each, `clear`
 * forgets them all without freeing or allocating anything. For sets that are
 * cleared far more often than they grow past a handful of keys, such as the kinds
 * of request a router dispatch found blocked: a Set's clear() allocates a new
 * table each time, and that was a dispatch's largest cost.
 */
export class KeyList {
  private readonly keys: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    for (let i = 0; i < this.count; i++) if (this.keys[i] === key) return true;
    return false;
  }

  add(key: string): void {
    if (!this.has(key)) this.keys[this.count++] = key;
  }

  clear(): void {
    this.count = 0;
  }
}
