import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../test-support/cli-process.js";

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), "gw-chaos-layout-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/**
 * V8 "migrates" an object to a new layout when a field it made for small integers
 * first gets a fraction, and then every object made from the old layout as each is
 * next touched. Once that happened to the router's queue entries, a long sim moved
 * almost every request's entry (85,000 of 120,000 in four minutes of lunch-rush-500)
 * and ran at half speed. A fixed number at start-up is harmless, and so are the few
 * a second that rows made once a second cost (a route's share of the second, a router
 * event's time); one per request is that cliff coming back.
 */
const ONCE_A_SECOND = new Set(["share", "t"]);

/** How many objects V8 migrated in a sim run of lunch-rush-500, by the fields that moved. */
async function migrations(duration: string): Promise<Map<string, number>> {
  const { stdout } = await run(
    process.execPath,
    [
      "--trace-migration",
      CLI,
      "run",
      "src/run/fixtures/lunch-rush-500.yaml",
      "--mode",
      "sim",
      "--set",
      `duration=${duration}`,
      "--quiet",
      "--format",
      "json",
      "--out",
      join(out, duration),
    ],
    { env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 },
  );
  // "[migrating]notBeforeMs:s->d previousDelayMs:s->d " (V8's lines may run together).
  const byFields = new Map<string, number>();
  for (const entry of stdout.split("[migrating]").slice(1)) {
    const fields = [...entry.matchAll(/(\w+):\w->\w/g)].map((m) => m[1]!);
    const key = fields.join(" ");
    byFields.set(key, (byFields.get(key) ?? 0) + 1);
  }
  return byFields;
}

describe("a sim run's objects keep their layout", () => {
  it("migrates objects once a second at most, never once a request", async () => {
    // Two minutes of lunch-rush-500: 60,000 requests.
    const moved = await migrations("2m");
    const perRequest = [...moved].filter(
      ([fields]) => !fields.split(" ").every((f) => ONCE_A_SECOND.has(f)),
    );
    const total = perRequest.reduce((sum, [, n]) => sum + n, 0);
    // At start-up about 30; once a request, hundreds to tens of thousands.
    expect(total, JSON.stringify(perRequest)).toBeLessThan(100);
  }, 60_000);
});
