import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../test-support/cli-process.js";

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), "gw-chaos-young-gc-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/**
 * A request's objects on the mock server live a few milliseconds, so a young
 * collection (V8's scavenge) should find almost nothing of them left to copy.
 * When a long-lived Map or Set takes and lets go of an entry per request, V8's
 * chain of the map's old tables keeps whole requests alive instead: the mock
 * worker's scavenges then kept about 30% of what they scanned, copied it into
 * the old generation and paid again to collect it there (see IdMap). Read from
 * V8's --trace-gc-nvp over a four-second live run at 3,000 requests a second.
 */
interface Scavenges {
  /** Bytes allocated between scavenges, and bytes the scavenges kept. */
  allocated: number;
  survived: number;
}

async function youngCollections(): Promise<Map<string, Scavenges>> {
  const { stdout } = await run(
    process.execPath,
    [
      "--trace-gc-nvp",
      CLI,
      "run",
      "src/run/fixtures/live-bench.yaml",
      "--mode",
      "live",
      "--set",
      "traffic.0.rate=3000",
      "--set",
      "duration=4s",
      "--quiet",
      "--format",
      "json",
      "--out",
      out,
    ],
    { env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 },
  );
  // "[pid:0xISOLATE]  1234 ms: pause=0.9 ... gc=s ... allocated=N ... new_space_survived=N ..."
  const byIsolate = new Map<string, Scavenges>();
  for (const line of stdout.split("\n")) {
    const m = /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: .* gc=s /.exec(line);
    if (!m) continue;
    const isolate = m[1]!;
    const seen = byIsolate.get(isolate) ?? { allocated: 0, survived: 0 };
    byIsolate.set(isolate, seen);
    // The first second is start-up: modules and compiled code that do live on.
    if (Number(m[2]) < 1000) continue;
    seen.allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
    seen.survived += Number(/ new_space_survived=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return byIsolate;
}

describe("a live run's requests die young", () => {
  it("the mock worker's scavenges keep little of what they scan", async () => {
    const isolates = [...(await youngCollections()).values()];
    // The run's own thread collects first; the mocks' worker thread is the other.
    expect(isolates).toHaveLength(2);
    const worker = isolates[1]!;
    expect(worker.allocated).toBeGreaterThan(20e6); // it did serve the load
    // About 1% now; about 30% with a per-request Set in the mock's path.
    expect(worker.survived / worker.allocated).toBeLessThan(0.1);
  }, 60_000);
});
