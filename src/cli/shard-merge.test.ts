import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { JsonReport } from "../report/json-report.js";
import { spawnCli } from "../test-support/cli-process.js";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

/** The built CLI in a child process, as a user or a CI job runs it. */
async function cli(args: string[]) {
  const child = spawnCli(args);
  const code = await child.exited(60_000);
  return { code, out: child.stdout(), err: child.stderr() };
}

const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as JsonReport;

// Lunch-rush cut to minutes: vendor A still answers 429s (many more under the naive
// router, which also lets requests fail), and a run is about a second of CPU.
const DRILL = ["lunch-rush", "--mode", "sim", "--format", "json"];
// Each shard generates about half of the requests (~2,100 in 3 minutes, ~1,400 in 2):
// it fails this, the union holds it.
const UNION_ONLY = "all.ledger.generated>=1300";

describe.each([
  ["the drill's router", ["--set", "duration=3m"]],
  [
    "the naive router (a storm of 429s, failed requests)",
    ["--set", "duration=2m", "--router", "naive"],
  ],
])("merging --shard 1/2 and --shard 2/2 of a sim run, %s", (_, variant: string[]) => {
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-shard-merge-"));
  const out = (name: string) => join(dir, name);
  let whole: JsonReport;
  let shards: JsonReport[];
  let merged: JsonReport;
  let codes: { whole: number | string; shards: (number | string)[]; merge: number | string };
  let mergeOut: string;

  beforeAll(async () => {
    const runs = await Promise.all(
      [[], ["--shard", "1/2"], ["--shard", "2/2"]].map((shard, i) =>
        cli([
          "run",
          ...DRILL,
          ...variant,
          "--threshold",
          UNION_ONLY,
          ...shard,
          "--out",
          out(`r${i}`),
        ]),
      ),
    );
    const merge = await cli([
      "merge",
      out("r1/report.json"),
      out("r2/report.json"),
      "--out",
      out("merged"),
      "--format",
      "json,html,md,junit",
    ]);
    codes = { whole: runs[0]!.code, shards: runs.slice(1).map((r) => r.code), merge: merge.code };
    mergeOut = merge.out;
    whole = read(out("r0/report.json"));
    shards = [read(out("r1/report.json")), read(out("r2/report.json"))];
    merged = read(out("merged/report.json"));
  }, 60_000);

  it("each shard books about half the requests; 429s happen", () => {
    expect(shards.map((s) => s.shard)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    expect(whole.shard).toBeNull();
    expect(whole.histograms).toBeUndefined();
    for (const s of shards) {
      expect(s.ledger.generated).toBeGreaterThan(whole.ledger.generated * 0.45);
      expect(s.ledger.balanced).toBe(true);
    }
    const throttled = whole.routes.reduce((n, r) => n + (r.status["429"] ?? 0), 0);
    expect(throttled).toBeGreaterThan(0);
  });

  it("the merged ledger is the unsharded run's, exactly", () => {
    expect(merged.ledger).toEqual(whole.ledger);
    expect(merged.shards).toEqual({ count: 2, merged: [1, 2] });
    expect(merged.shard).toBeNull();
  });

  it("every lane's and tenant's Summary is the unsharded run's", () => {
    // The merged histogram holds the same counts as the unsharded run's, so its
    // percentiles are the same bucket values: HDR precision (3 significant digits,
    // 0.1%) would allow a tolerance, none is needed. The max is the shards' exact max.
    for (const [name, lane] of Object.entries(whole.lanes)) {
      const m = merged.lanes[name]!;
      expect(m.latencyMs, `${name} latency`).toEqual(lane.latencyMs);
      expect(m.ttftMs, `${name} ttft`).toEqual(lane.ttftMs);
      expect(m.queueAgeMs, `${name} queue age`).toEqual(lane.queueAgeMs);
      const { latencyMs, ttftMs, queueAgeMs, spendUsd, wastedSpendUsd, ...counts } = lane;
      expect(m).toMatchObject(counts);
      expect(m.spendUsd).toBeCloseTo(spendUsd, 5);
    }
    for (const [name, tenant] of Object.entries(whole.tenants))
      expect(merged.tenants[name]!.latencyMs).toEqual(tenant.latencyMs);
  });

  it("routes' attempts, statuses, errors, tokens and shares are the unsharded run's", () => {
    expect(merged.routes.map(({ spendUsd, wastedSpendUsd, ...r }) => r)).toEqual(
      whole.routes.map(({ spendUsd, wastedSpendUsd, ...r }) => r),
    );
    // Spend is summed from the shards' figures, each rounded to a millionth of a dollar.
    for (const [i, r] of merged.routes.entries())
      expect(r.spendUsd).toBeCloseTo(whole.routes[i]!.spendUsd, 5);
    expect(merged.totals.attempts).toBe(whole.totals.attempts);
    expect(merged.totals.tokens).toEqual(whole.totals.tokens);
  });

  it("the series, faults, findings and router summary are the unsharded run's", () => {
    expect(merged.series).toEqual(whole.series);
    expect(merged.faults).toEqual(whole.faults);
    expect(merged.findings).toEqual(whole.findings);
    expect(merged.router).toEqual(whole.router);
  });

  it("merges histograms, not summaries: averaging the shards' percentiles is wrong somewhere", () => {
    const wrong: string[] = [];
    for (const [name, lane] of Object.entries(whole.lanes))
      for (const stat of ["p50", "p90", "p95", "p99"] as const) {
        const [a, b] = shards.map((s) => s.lanes[name]!.latencyMs[stat] ?? 0) as [number, number];
        if ((a + b) / 2 !== lane.latencyMs[stat]) wrong.push(`${name} ${stat}`);
      }
    // The merged ones are right (above); the averages are not, e.g. interactive's p99.
    expect(wrong.length).toBeGreaterThan(0);
  });

  it("the shards' thresholds are evaluated on the merged report: a shard fails, the union holds", () => {
    const verdict = (r: JsonReport) => r.thresholds.find((t) => t.expr === UNION_ONLY)?.ok;
    expect(shards.map(verdict)).toEqual([false, false]);
    expect(codes.shards).toEqual([1, 1]);
    expect(verdict(merged)).toBe(true);
    expect(merged.thresholds).toEqual(whole.thresholds);
    expect(codes.merge).toBe(codes.whole);
    expect(mergeOut).toMatch(/^merged shards 1, 2 of 2\n/);
    expect(mergeOut).toMatch(/Ledger\s+generated/);
  });
});

describe("gw-chaos merge refuses reports that are not shards of one run", () => {
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-shard-refuse-"));
  const file = (name: string) => join(dir, `${name}.json`);
  const SHORT = ["lunch-rush", "--mode", "sim", "--set", "duration=30s", "--format", "json"];

  /** merge in-process: what it says and its exit code. */
  async function merge(args: string[]) {
    const io = testIo(["merge", ...args, "--out", join(dir, "merged")]);
    const code = await main(io);
    return { code, out: io.out(), err: io.err() };
  }

  beforeAll(async () => {
    const run = (name: string, args: string[]) =>
      cli(["run", ...SHORT, ...args, "--out", join(dir, name)]).then(() =>
        copyFileSync(join(dir, name, "report.json"), file(name)),
      );
    await Promise.all([
      run("s1", ["--shard", "1/2"]),
      run("seed2", ["--shard", "2/2", "--seed", "2"]),
      run("whole", []),
    ]);
    // Reports as another drill, or a run cut in three, would have them.
    const s1 = read(file("s1"));
    writeFileSync(
      file("other"),
      JSON.stringify({ ...s1, scenario: "bursty-refill", shard: { index: 2, count: 2 } }),
    );
    writeFileSync(file("of3"), JSON.stringify({ ...s1, shard: { index: 2, count: 3 } }));
    writeFileSync(file("s1-copy"), JSON.stringify(s1));
  }, 60_000);

  it.each([
    ["another seed", "seed2", /seed2\.json: seed 2, but .*s1\.json has 1: not shards of one run/],
    [
      "another drill",
      "other",
      /other\.json: scenario "bursty-refill", but .*s1\.json has "lunch-rush"/,
    ],
    ["another shard count", "of3", /of3\.json: shard count 3, but .*s1\.json has 2/],
    ["an unsharded report", "whole", /whole\.json: not a shard's report/],
    [
      "the same shard twice",
      "s1-copy",
      /s1-copy\.json: shard 1\/2 again \(.*s1\.json is that shard too\)/,
    ],
  ])("%s: exit 2, one line naming the file and what differs", async (_, other, message) => {
    const { code, err, out } = await merge([file("s1"), file(other)]);
    expect(code).toBe(2);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toMatch(message);
    expect(out).toBe("");
  });

  it("an incomplete set merges, and says which shards it holds", async () => {
    const { code, out } = await merge([file("s1"), "--quiet"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^incomplete: merged shards 1 of 2, missing 2;/);
    const merged = read(join(dir, "merged", "report.json"));
    expect(merged.shards).toEqual({ count: 2, merged: [1] });
    expect(merged.ledger).toEqual(read(file("s1")).ledger);
  });
});

describe("run --shard: what is wrong is said in one line", () => {
  it.each([
    ["0/2", /from 1 to 2/],
    ["3/2", /from 1 to 2/],
    ["x", /expected i\/n/],
    ["1/0", /at least one shard/],
  ])("--shard %s exits 2", async (shard, message) => {
    const io = testIo(["run", "lunch-rush", "--mode", "sim", "--quiet", "--shard", shard]);
    const code = await main(io);
    expect(code).toBe(2);
    expect(io.err().trim().split("\n")).toHaveLength(1);
    expect(io.err()).toMatch(/--shard <i\/n>/);
    expect(io.err()).toMatch(message);
  });
});
