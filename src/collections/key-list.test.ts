import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyList } from "./key-list.js";

type Op = { op: "add"; key: string } | { op: "has"; key: string } | { op: "clear" };

const key = fc.constantFrom("chat", "chat\u0000large", "chat\u0001background", "embed", "", "x");
const ops = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: key.map((k): Op => ({ op: "add", key: k })) },
    { weight: 4, arbitrary: key.map((k): Op => ({ op: "has", key: k })) },
    { weight: 1, arbitrary: fc.constant<Op>({ op: "clear" }) },
  ),
  { maxLength: 200 },
);

describe("KeyList", () => {
  it("answers has and size as a Set would, through any adds and clears", () => {
    fc.assert(
      fc.property(ops, (run) => {
        const list = new KeyList();
        const set = new Set<string>();
        for (const step of run) {
          if (step.op === "add") {
            list.add(step.key);
            set.add(step.key);
          } else if (step.op === "has") {
            expect(list.has(step.key)).toBe(set.has(step.key));
          } else {
            list.clear();
            set.clear();
          }
          expect(list.size).toBe(set.size);
        }
      }),
    );
  });

  it("forgets every key on clear, and a key built anew matches one added before", () => {
    const list = new KeyList();
    list.add("chat");
    list.add(["chat", "large"].join("\u0000"));
    expect(list.has("chat\u0000large")).toBe(true);
    list.clear();
    expect(list.size).toBe(0);
    expect(list.has("chat")).toBe(false);
    list.add("embed");
    expect(list.has("chat")).toBe(false);
    expect(list.has("embed")).toBe(true);
  });
});
