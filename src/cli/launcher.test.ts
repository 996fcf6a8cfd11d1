import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliNodeFlags } from "../test-support/cli-node-flags.js";
import { CLI } from "../test-support/cli-process.js";

describe("the launcher (bin/gw-chaos.js)", () => {
  it("runs by its own first line, as npm's bin link and npx run it", () => {
    const out = execFileSync(CLI, ["--version"], { encoding: "utf8" });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("starts node with flags node accepts, which the benchmarks read from it", () => {
    const flags = cliNodeFlags();
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(flag).toMatch(/^--[a-z-]+(=\S+)?$/);
    // An unknown flag would stop node before the CLI ran.
    expect(() => execFileSync(process.execPath, [...flags, "-e", "0"])).not.toThrow();
  });
});
