/**
 * A Map from integer ids (request, attempt and timer numbers) to values, in the
 * order they were set: for the collections a run fills and empties once per
 * request, where a Map costs the garbage collector dearly.
 *
 * Why not a Map: V8 rebuilds a Map's (or a Set's) table every so many adds and
 * deletes, and each old table keeps pointing at its successor and at what it held.
 * Once one table of a long-lived map has reached the old generation, that chain
 * holds every later table, and every request they held, through each young
 * collection until the next full one. In a live run at 5,000 requests a second,
 * the mock servers' young collections kept 35% of what they scanned (V8's
 * --trace-gc-nvp; 1% without such maps) and copied it all, twice, into the old
 * generation, where it died.
 *
 * This map allocates storage only when it grows and otherwise reuses it in place,
 * so nothing it has let go of stays reachable from it. Entries sit in arrays in the
 * order they were set; an open-addressing index (linear probing, deletion by
 * backward shift, so no tombstones) finds a key's entry. A deleted entry leaves a
 * hole that is reclaimed when the arrays are compacted, in place, once they fill.
 *
 * Keys are integers (any within ±2^53); the map is not for other numbers. While an
 * iteration is under way the entries keep their places: entries deleted are not
 * visited, and entries set are (as with a Map). Iterate with for...of (or run an
 * iterator to its end, or return() it): one left half-read stops the map compacting.
 */
export class IdMap<V> {
  /** Entry keys in the order set; NaN marks a deleted entry. */
  private keys: Float64Array;
  private vals: (V | undefined)[];
  /** Index slot to entry position + 1 (0: empty); twice the entries' length. */
  private index: Int32Array;
  private mask: number;
  /** 32 less the index's bits: a hash's top bits pick the slot. */
  private shift: number;
  /** First entry that may be live, and where the next is put. */
  private head = 0;
  private tail = 0;
  private count = 0;
  private iterating = 0;

  constructor(initialCapacity = 16) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(4, initialCapacity)));
    this.keys = new Float64Array(capacity).fill(Number.NaN);
    this.vals = new Array<V | undefined>(capacity).fill(undefined);
    this.index = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
    this.shift = 32 - Math.log2(capacity * 2);
  }

  get size(): number {
    return this.count;
  }

  has(key: number): boolean {
    return this.slotOf(key) >= 0;
  }

  get(key: number): V | undefined {
    const slot = this.slotOf(key);
    return slot < 0 ? undefined : this.vals[this.index[slot]! - 1];
  }

  set(key: number, value: V): this {
    // (NaN would read as a deleted entry, and a fraction as another key's slot.)
    if (!Number.isInteger(key)) throw new RangeError(`IdMap keys are integers, not ${key}`);
    let slot = this.probe(key);
    if (slot >= 0) {
      this.vals[this.index[slot]! - 1] = value;
      return this;
    }
    if (this.tail === this.keys.length) {
      this.makeRoom();
      slot = this.probe(key);
    }
    const entry = this.tail++;
    this.keys[entry] = key;
    this.vals[entry] = value;
    this.index[~slot] = entry + 1;
    this.count++;
    return this;
  }

  delete(key: number): boolean {
    const slot = this.slotOf(key);
    if (slot < 0) return false;
    const entry = this.index[slot]! - 1;
    this.unindex(slot);
    this.keys[entry] = Number.NaN;
    this.vals[entry] = undefined;
    this.count--;
    if (this.count === 0 && this.iterating === 0) {
      // Empty: start again at the front (every entry behind is already a hole).
      this.head = 0;
      this.tail = 0;
    } else if (entry === this.head) {
      this.skipHoles();
    }
    return true;
  }

  clear(): void {
    this.keys.fill(Number.NaN, 0, this.tail);
    this.vals.fill(undefined, 0, this.tail);
    this.index.fill(0);
    this.head = 0;
    this.tail = 0;
    this.count = 0;
  }

  /** The key set longest ago of those still here. */
  firstKey(): number | undefined {
    return this.count === 0 ? undefined : this.keys[this.head];
  }

  entries(): IterableIterator<[number, V]> {
    return this.walk((entry) => [this.keys[entry]!, this.vals[entry] as V]);
  }

  /** The values alone: no pair made per entry (a stream pacer walks them every tick). */
  values(): IterableIterator<V> {
    return this.walk((entry) => this.vals[entry] as V);
  }

  /** What pick makes of each live entry, in order. */
  private *walk<T>(pick: (entry: number) => T): IterableIterator<T> {
    this.iterating++;
    try {
      // Re-read the arrays each step: a set() may have grown them meanwhile.
      for (let entry = this.head; entry < this.tail; entry++) {
        if (!Number.isNaN(this.keys[entry]!)) yield pick(entry);
      }
    } finally {
      this.iterating--;
    }
  }

  [Symbol.iterator](): IterableIterator<[number, V]> {
    return this.entries();
  }

  /**
   * The slot a key's probe starts at: Fibonacci hashing, so a run of ids (the usual
   * keys, one after another) spreads over the index rather than filling one stretch
   * of it, which would make every deletion shift the whole stretch.
   */
  private home(key: number): number {
    return Math.imul(key | 0, 0x9e3779b1) >>> this.shift;
  }

  /** The index slot holding key, or -1. */
  private slotOf(key: number): number {
    const slot = this.probe(key);
    return slot >= 0 ? slot : -1;
  }

  /** The index slot holding key; if none does, ~ the empty slot where it would go. */
  private probe(key: number): number {
    const { index, keys, mask } = this;
    for (let slot = this.home(key); ; slot = (slot + 1) & mask) {
      const at = index[slot]!;
      if (at === 0) return ~slot;
      if (keys[at - 1] === key) return slot;
    }
  }

  private place(key: number, entry: number): void {
    const { index, mask } = this;
    let slot = this.home(key);
    while (index[slot] !== 0) slot = (slot + 1) & mask;
    index[slot] = entry + 1;
  }

  /** Empties an index slot, moving back the entries after it that probed past it. */
  private unindex(slot: number): void {
    const { index, keys, mask } = this;
    let hole = slot;
    for (let next = (hole + 1) & mask; index[next] !== 0; next = (next + 1) & mask) {
      const home = this.home(keys[index[next]! - 1]!);
      // An entry stays when its home lies after the hole, up to where it sits (cyclically).
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      index[hole] = index[next]!;
      hole = next;
    }
    index[hole] = 0;
  }

  private skipHoles(): void {
    while (this.head < this.tail && Number.isNaN(this.keys[this.head]!)) this.head++;
  }

  /**
   * The arrays are full up to the end: compacted in place when at most half are
   * live, else doubled. Not while an iteration is under way: it would lose its place,
   * so the arrays grow then, their entries where they were.
   */
  private makeRoom(): void {
    const capacity = this.keys.length;
    if (this.iterating > 0) {
      this.resize(capacity * 2, false);
    } else if (this.count <= capacity / 2) {
      this.compact();
    } else {
      this.resize(capacity * 2, true);
    }
  }

  /** Moves the live entries to the front, in order, pointing their index slots at them. */
  private compact(): void {
    const { keys, vals } = this;
    let to = 0;
    for (let from = this.head; from < this.tail; from++) {
      const key = keys[from]!;
      if (Number.isNaN(key)) continue;
      if (to !== from) {
        // (Found at its old place, which is still intact: only places before it were written.)
        this.index[this.probe(key)] = to + 1;
        keys[to] = key;
        vals[to] = vals[from];
      }
      to++;
    }
    keys.fill(Number.NaN, to, this.tail);
    vals.fill(undefined, to, this.tail);
    this.head = 0;
    this.tail = to;
  }

  private resize(capacity: number, compacting: boolean): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const keys = new Float64Array(capacity).fill(Number.NaN);
    const vals = new Array<V | undefined>(capacity).fill(undefined);
    let to = compacting ? 0 : this.head;
    for (let from = this.head; from < this.tail; from++) {
      const key = oldKeys[from]!;
      if (compacting && Number.isNaN(key)) continue;
      keys[to] = key;
      vals[to] = oldVals[from];
      to++;
    }
    // The old array is garbage now; emptied, so that if it already sits in the old
    // generation it holds nothing young alive until the next full collection.
    oldVals.fill(undefined);
    if (compacting) this.head = 0;
    this.tail = to;
    this.keys = keys;
    this.vals = vals;
    this.index = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
    this.shift = 32 - Math.log2(capacity * 2);
    this.reindex();
  }

  private reindex(): void {
    this.index.fill(0);
    for (let entry = this.head; entry < this.tail; entry++) {
      const key = this.keys[entry]!;
      if (!Number.isNaN(key)) this.place(key, entry);
    }
  }
}
