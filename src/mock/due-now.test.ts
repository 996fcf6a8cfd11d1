import { describe, expect, it } from "vitest";
import { DueNow } from "./due-now.js";

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("DueNow", () => {
  it("runs what was added after the current turn, once each, in the order added", async () => {
    const due = new DueNow();
    const ran: string[] = [];
    due.add(() => ran.push("a"));
    due.add(() => ran.push("b"));
    expect(ran).toEqual([]); // not inside the caller's turn
    await turn();
    expect(ran).toEqual(["a", "b"]);
    await turn();
    expect(ran).toEqual(["a", "b"]);
  });

  it("runs work added while it runs on a later turn, not in the same batch", async () => {
    const due = new DueNow();
    const ran: string[] = [];
    due.add(() => {
      ran.push("first");
      due.add(() => ran.push("second"));
    });
    await turn();
    expect(ran).toEqual(["first"]);
    await turn();
    expect(ran).toEqual(["first", "second"]);
  });

  it("runs nothing it was cleared of, and works again after", async () => {
    const due = new DueNow();
    const ran: string[] = [];
    due.add(() => ran.push("dropped"));
    due.clear();
    await turn();
    expect(ran).toEqual([]);
    due.add(() => ran.push("kept"));
    await turn();
    expect(ran).toEqual(["kept"]);
  });
});
