import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

/** A short live run on loopback (20 s of scenario time at 20x) with a fault under way. */
const SCENARIO = `name: progress
duration: 20s
speed: 20
vendors:
  vendor-a: { profile: openai }
  vendor-b: { profile: azure-openai }
traffic:
  - { type: constant, lane: interactive, class: chat, rate: 5, prompt: 200, completion: 20 }
faults:
  - { kind: latency, vendor: vendor-a, ms: 100 }
router:
  classes:
    chat: [vendor-a/gpt-4o-mini, vendor-b/gpt-4o-mini]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 100, timeout: 30s, deadline: 60s }
`;

function scenarioFile(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-progress-"));
  writeFileSync(join(dir, "progress.yaml"), SCENARIO);
  return { dir, file: join(dir, "progress.yaml") };
}

const IN_PLACE = "\r\u001b[K";

describe("the live progress line", () => {
  it("on a terminal it is redrawn in place, and cleared before the report", async () => {
    const { dir, file } = scenarioFile();
    const io = testIo(["run", file, "--out", join(dir, "out")], { tty: true });
    expect(await main(io)).toBe(0);
    const err = io.err();
    expect(err).toContain(IN_PLACE);
    expect(err).toMatch(
      /\[\d+s \/ 20s +\d+%\] \d+ req\/s · interactive p95 (-|\d+ms) · requests \d+/,
    );
    expect(err).toMatch(/· fault: latency vendor-a/);
  });

  it("elsewhere (a pipe, or CI set) it is a plain line, never redrawn", async () => {
    const { dir, file } = scenarioFile();
    for (const [tty, env] of [
      [false, {}],
      [true, { CI: "true" }],
    ] as const) {
      const io = testIo(["run", file, "--out", join(dir, `out-${tty}`)], { tty, env });
      expect(await main(io)).toBe(0);
      const err = io.err();
      expect(err).not.toContain("\r");
      expect(err).toMatch(/^\[\d+s \/ 20s +\d+%\] \d+ req\/s · interactive p95/m);
    }
  });

  // The built CLI under a real pseudo-terminal (util-linux `script`), and on a pipe.
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it.skipIf(!hasScript)(
    "the built CLI under a pseudo-TTY redraws; on a pipe it prints lines",
    () => {
      const { dir, file } = scenarioFile();
      const cli = join(root, "bin", "gw-chaos.js");
      // As a person at a terminal would run it: no CI variable, no colour codes to read past.
      const { CI: _ci, ...inherited } = process.env;
      const env = { ...inherited, NO_COLOR: "1" };
      const command = `${process.execPath} ${cli} run ${file} --out ${join(dir, "tty")}`;
      const tty = execFileSync("script", ["-qec", command, "/dev/null"], { env, encoding: "utf8" });
      expect(tty).toContain(IN_PLACE);
      const piped = spawnSync(process.execPath, [cli, "run", file, "--out", join(dir, "pipe")], {
        env,
        encoding: "utf8",
      });
      expect(piped.status).toBe(0);
      expect(piped.stderr).not.toContain("\r");
      expect(piped.stderr).toMatch(/req\/s · interactive p95/);
    },
  );
});
