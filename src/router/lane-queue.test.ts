import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LaneQueue } from "./lane-queue.js";

describe("LaneQueue", () => {
  it("property: behaves as an array used as a queue, under any mix of operations", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("push", "shift", "unshift"), { maxLength: 5000 }),
        (ops) => {
          const q = new LaneQueue<number>();
          const model: number[] = [];
          let n = 0;
          for (const op of ops) {
            if (op === "push") {
              q.push(n);
              model.push(n++);
            } else if (op === "unshift") {
              q.unshift(n);
              model.unshift(n++);
            } else {
              expect(q.shift()).toBe(model.shift());
            }
            expect(q.length).toBe(model.length);
            expect(q.peek()).toBe(model[0]);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
