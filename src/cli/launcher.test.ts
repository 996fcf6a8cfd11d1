import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI } from "../test-support/cli-process.js";

describe("the launcher (bin/gw-chaos.js)", () => {
  it("runs by its own first line, as npm's bin link and npx run it", () => {
    const out = execFileSync(CLI, ["--version"], { encoding: "utf8" });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("names node alone on that line: BusyBox's env (Alpine images) has no -S for flags", () => {
    const first = readFileSync(CLI, "utf8").split("\n", 1)[0];
    expect(first).toBe("#!/usr/bin/env node");
  });
});
