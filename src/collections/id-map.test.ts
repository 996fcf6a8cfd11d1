import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdMap } from "./id-map.js";

type Op =
  | { op: "set"; key: number; value: number }
  | { op: "delete"; key: number }
  | { op: "clear" };

/** Keys from a narrow range (probe chains that collide and wrap) and from anywhere an id may be. */
const key = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: -5, max: 5 }),
  fc.integer({ min: 2 ** 31 - 3, max: 2 ** 31 + 3 }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);
const opsOn = (keys: fc.Arbitrary<number>, clears = 1): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ op: fc.constant("set" as const), key: keys, value: fc.integer() }),
    },
    { weight: 5, arbitrary: fc.record({ op: fc.constant("delete" as const), key: keys }) },
    { weight: clears, arbitrary: fc.record({ op: fc.constant("clear" as const) }) },
  );
const op = opsOn(key);

function apply(map: IdMap<number> | Map<number, number>, o: Op): unknown {
  if (o.op === "set") return map.set(o.key, o.value) === map;
  if (o.op === "delete") return map.delete(o.key);
  return map.clear();
}

describe("IdMap", () => {
  it("answers every get, has, delete, size and first key as a Map does, and iterates in the order set", () => {
    fc.assert(
      // Small at first (it grows and compacts often) or roomy (its index is never
      // rebuilt, so every deletion has to mend the probe runs it cuts).
      fc.property(
        fc.array(op, { maxLength: 400, size: "max" }),
        fc.array(key, { maxLength: 20 }),
        fc.constantFrom(4, 1024),
        (ops, probes, room) => {
          const ours = new IdMap<number>(room);
          const map = new Map<number, number>();
          for (const o of ops) {
            expect(apply(ours, o)).toEqual(apply(map, o));
            expect(ours.size).toBe(map.size);
            expect(ours.firstKey()).toBe(map.keys().next().value);
          }
          for (const k of [...probes, ...map.keys()]) {
            expect(ours.has(k)).toBe(map.has(k));
            expect(ours.get(k)).toBe(map.get(k));
          }
          expect([...ours]).toEqual([...map]);
          expect([...ours.values()]).toEqual([...map.values()]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("finds every key after deletions in the middle of probe runs (a few keys, churned for long)", () => {
    // 24 keys in a map that grows once, to an index of 64 slots, and is then only
    // compacted: the index is never built afresh. Keys drawn at random share slots
    // (a run of ids would not: the hash spreads them).
    const keys = fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 32 }), {
      minLength: 24,
      maxLength: 24,
    });
    const ops = fc.array(opsOn(fc.integer({ min: 0, max: 23 }), 0), {
      minLength: 500,
      maxLength: 2000,
    });
    fc.assert(
      fc.property(keys, ops, (keys, ops) => {
        const ours = new IdMap<number>(16);
        const map = new Map<number, number>();
        for (const o of ops) {
          const on = o.op === "clear" ? o : { ...o, key: keys[o.key]! };
          apply(ours, on);
          apply(map, on);
        }
        for (const k of keys) expect(ours.get(k)).toBe(map.get(k));
        expect([...ours]).toEqual([...map]);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps its place while iterating: entries deleted meanwhile are skipped, entries set are visited", () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 200, size: "max" }),
        fc.array(op, { maxLength: 200, size: "max" }),
        (before, during) => {
          const ours = new IdMap<number>(4);
          const map = new Map<number, number>();
          for (const o of before) {
            apply(ours, o);
            apply(map, o);
          }
          const mutations = during.filter((o) => o.op !== "clear");
          const visit = (m: IdMap<number> | Map<number, number>) => {
            const seen: number[] = [];
            let i = 0;
            for (const [k] of m) {
              seen.push(k);
              // A couple of changes at each step, the same on both.
              for (const o of mutations.slice(i, i + 2)) apply(m, o);
              i += 2;
            }
            return seen;
          };
          expect(visit(ours)).toEqual(visit(map));
          expect([...ours]).toEqual([...map]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a key that is not an integer", () => {
    const ours = new IdMap<number>();
    for (const bad of [Number.NaN, 1.5, Number.POSITIVE_INFINITY])
      expect(() => ours.set(bad, 1)).toThrow(/integers/);
    expect(ours.size).toBe(0);
  });

  it("holds a churn of thousands of ids in the room its most at once needs", () => {
    // A run's in-flight requests: ids rising, each deleted a while after it was set.
    const ours = new IdMap<{ id: number }>();
    const inFlight = 100;
    let deleted = 0;
    for (let id = 0; id < 100_000; id++) {
      ours.set(id, { id });
      if (id >= inFlight && ours.delete(id - inFlight)) deleted++;
    }
    expect(deleted).toBe(100_000 - inFlight);
    expect(ours.size).toBe(inFlight);
    expect(ours.get(99_950)).toEqual({ id: 99_950 });
    expect(ours.get(99_899)).toBeUndefined();
    expect(ours.firstKey()).toBe(99_900);
    // Its arrays grew to the next power of two over twice the peak, not with the ids.
    expect((ours as unknown as { keys: Float64Array }).keys.length).toBeLessThanOrEqual(256);
  });
});
