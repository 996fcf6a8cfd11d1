import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JsonReport } from "../report/json-report.js";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

const tmp = () => mkdtempSync(join(tmpdir(), "gw-chaos-cli-"));

async function cli(argv: string[], options: Parameters<typeof testIo>[1] = {}) {
  const io = testIo(argv, options);
  const code = await main(io);
  return { code, out: io.out(), err: io.err() };
}

const NO_STACK = /\n\s+at [^\n]+\(/;

const TINY = `name: tiny-live
description: two vendors, a short burst, over real loopback
duration: 20s
speed: 20
vendors:
  vendor-a: { profile: openai }
  vendor-b: { profile: azure-openai }
traffic:
  - type: constant
    lane: interactive
    class: chat
    rate: 5
    prompt: { type: uniform, min: 100, max: 400 }
    completion: { type: uniform, min: 10, max: 60 }
    stream: 0.5
router:
  classes:
    chat: [vendor-a/gpt-4o-mini, vendor-b/gpt-4o-mini]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 100, timeout: 30s, deadline: 60s }
thresholds:
  - all.ledger.balanced==1
`;

describe("gw-chaos run --mode sim (in-process)", () => {
  it("prints the same JSON byte for byte for the same seed, and a different one for another", async () => {
    const first = await cli(["run", "lunch-rush", "--mode", "sim", "--json", "--out", tmp()]);
    const second = await cli(["run", "lunch-rush", "--mode", "sim", "--json", "--out", tmp()]);
    const other = await cli([
      "run",
      "lunch-rush",
      "--mode",
      "sim",
      "--json",
      "--seed",
      "2",
      "--out",
      tmp(),
    ]);
    expect(first.code).toBe(0);
    expect(second.out).toBe(first.out);
    expect(other.out).not.toBe(first.out);
  });

  it("shows the lunch rush: the jump, vendor A's 429s and the move to B and C", async () => {
    const { code, out } = await cli([
      "run",
      "lunch-rush",
      "--mode",
      "sim",
      "--json",
      "--out",
      tmp(),
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as JsonReport;
    expect(report).toMatchObject({
      version: 1,
      tool: "gw-chaos",
      scenario: "lunch-rush",
      mode: "sim",
      seed: 1,
    });
    expect(report.ledger.balanced).toBe(true);
    expect(report.ledger.generated).toBeGreaterThan(5000);
    const [a, b, c] = report.routes;
    expect(a?.status["429"]).toBeGreaterThan(0);
    expect(a?.errors.throttled).toBe(a?.status["429"]);
    // Before the spike (30% of 10 minutes) everything goes to A; during it B and C take load.
    const sends = (route: string, from: number, to: number) =>
      report.series
        .filter((r) => r.t > from && r.t <= to)
        .reduce((n, r) => n + (r.routes[route]?.sends ?? 0), 0);
    const arrivals = (from: number, to: number) =>
      report.series
        .filter((r) => r.t > from && r.t <= to)
        .reduce((n, r) => n + (r.lanes.interactive?.arrivals ?? 0), 0);
    expect(sends("vendor-b/gpt-4o-mini", 0, 180) + sends("vendor-c/llama-3.3-70b", 0, 180)).toBe(0);
    expect(sends("vendor-b/gpt-4o-mini", 240, 420)).toBeGreaterThan(0);
    expect(sends("vendor-c/llama-3.3-70b", 240, 420)).toBeGreaterThan(0);
    expect(arrivals(240, 420)).toBeGreaterThan(3 * arrivals(0, 180));
    expect(b!.share + c!.share).toBeGreaterThan(0.1);
    expect(report.lanes.interactive?.latencyMs.count).toBe(report.lanes.interactive?.ok);
    expect(report.thresholds.every((t) => t.ok)).toBe(true);
  });

  it("prints per-lane and per-route tables, the timeline and a balanced ledger", async () => {
    const dir = tmp();
    const { code, out } = await cli([
      "run",
      "lunch-rush",
      "--mode",
      "sim",
      "--out",
      dir,
      "--format",
      "json,md,junit",
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/Lanes[\s\S]*interactive[\s\S]*background/);
    expect(out).toMatch(
      /Routes[\s\S]*vendor-a\/gpt-4o-mini[\s\S]*vendor-b\/gpt-4o-mini[\s\S]*vendor-c\/llama-3\.3-70b/,
    );
    expect(out).toMatch(/Over time/);
    expect(out).toMatch(/Ledger {2}generated [\d,]+ = ok [\d,]+.*✔ balanced/);
    expect(out).not.toContain("\u001b["); // no colour when not a terminal
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as JsonReport;
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain(
      `generated ${report.ledger.generated}`,
    );
    const junit = readFileSync(join(dir, "junit.xml"), "utf8");
    // One test case per threshold, and one per finding (in their own suite).
    expect(junit.match(/<testcase /g)?.length).toBe(
      report.thresholds.length + report.findings.length,
    );
  });

  it("exits 1 when a threshold fails, and says which", async () => {
    const { code, out } = await cli([
      "run",
      "lunch-rush",
      "--mode",
      "sim",
      "--out",
      tmp(),
      "--threshold",
      "interactive.latency.p95<1",
      "--set",
      "duration=2m",
    ]);
    expect(code).toBe(1);
    expect(out).toMatch(/✘ FAIL {2}interactive\.latency\.p95<1/);
  });

  it("runs the same drill under the naive preset, and the difference shows", async () => {
    const run = async (router: string) => {
      const { code, out } = await cli([
        "run",
        "lunch-rush",
        "--mode",
        "sim",
        "--json",
        "--out",
        tmp(),
        "--router",
        router,
      ]);
      return { code, report: JSON.parse(out) as JsonReport };
    };
    const playbook = await run("playbook");
    const naive = await run("naive");
    expect(playbook.code).toBe(0);
    expect(playbook.report.router.rulesOff).toEqual([]);
    // Naive: one vendor, no cooldown, one shared retry delay; the lunch rush breaks it.
    expect(naive.code).toBe(1);
    expect(naive.report.router.rulesOff).toHaveLength(19);
    const share = (r: JsonReport, vendor: string) =>
      r.routes.find((x) => x.vendor === vendor)!.share;
    expect(share(naive.report, "vendor-b")).toBe(0);
    expect(share(playbook.report, "vendor-b")).toBeGreaterThan(0.1);
    const throttled = (r: JsonReport) => r.routes.reduce((n, x) => n + (x.status["429"] ?? 0), 0);
    expect(throttled(naive.report)).toBeGreaterThan(10 * throttled(playbook.report));
    expect(naive.report.ledger.balanced && playbook.report.ledger.balanced).toBe(true);
  });
});

describe("gw-chaos run --mode live (real loopback)", () => {
  it("runs a small scenario over HTTP and balances the ledger", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "tiny.yaml"), TINY);
    const { code, out, err } = await cli(
      ["run", "tiny.yaml", "--json", "--out", join(dir, "out")],
      { cwd: dir },
    );
    expect(err).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(out) as JsonReport;
    expect(report.mode).toBe("live");
    expect(report.ledger).toMatchObject({ generated: 100, balanced: true });
    expect(report.routes[0]!.attempts).toBeGreaterThan(0);
    expect(report.lanes.interactive!.ttftMs.count).toBeGreaterThan(0);
  });

  it("Ctrl-C stops the run, writes a partial report and exits 130", async () => {
    const dir = tmp();
    // On a terminal, so the progress line shows when traffic flows: interrupted mid-run,
    // not during start-up (the mocks' start and the warm-up take a varying while).
    const io = testIo(["run", "lunch-rush", "--out", dir], { tty: true });
    const running = main(io);
    while (!io.err().includes("req/s")) await new Promise((resolve) => setTimeout(resolve, 50));
    io.interrupt();
    expect(await running).toBe(130);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as JsonReport;
    expect(report.partial).toBe(true);
    expect(report.ledger.balanced).toBe(true);
    expect(report.ledger.generated).toBeGreaterThan(0);
    expect(report.ledger.generated).toBeLessThan(7000);
  });
});

describe("bad input exits 2 with the file and path, never a stack trace", () => {
  it("a scenario with a typo", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "typo.yaml"), TINY.replace("    rate: 5", "    rte: 5"));
    const { code, err } = await cli(["run", "typo.yaml", "--mode", "sim"], { cwd: dir });
    expect(code).toBe(2);
    expect(err).toContain('error: typo.yaml: traffic.0: unknown key "rte" (did you mean "rate"?)');
    expect(err).toContain("error: typo.yaml: traffic.0.rate: required");
    expect(err).not.toMatch(NO_STACK);
  });

  it("a wrong type", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "wrong.yaml"), TINY.replace("speed: 20", "speed: fast"));
    const { code, err } = await cli(["validate", "wrong.yaml"], { cwd: dir });
    expect(code).toBe(2);
    expect(err).toBe('error: wrong.yaml: speed: expected number (got "fast") (line 4)\n');
  });

  it("an unknown vendor", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "vendor.yaml"),
      TINY.replace("[vendor-a/gpt-4o-mini,", "[vendor-z/gpt-4o-mini,"),
    );
    const { code, err } = await cli(["run", "vendor.yaml", "--mode", "sim"], { cwd: dir });
    expect(code).toBe(2);
    expect(err).toContain('error: vendor.yaml: router.classes.chat.0: unknown vendor "vendor-z"');
  });

  it("a missing file", async () => {
    const { code, err } = await cli(["run", "missing/scenario.yaml"], { cwd: tmp() });
    expect(code).toBe(2);
    expect(err).toMatch(/^error: missing\/scenario\.yaml: no such file/);
  });

  it.each([
    [
      "an unresolved YAML alias",
      (t: string) => t.replace("name: tiny-live", "name: *nope"),
      /bad\.yaml: .*alias/i,
    ],
    [
      "a file that is not a mapping",
      () => "42\n",
      /bad\.yaml: \(top level\): expected object \(got 42\)/,
    ],
    [
      "a threshold naming an unknown metric",
      (t: string) => `${t}  - interactive.latncy.p95<10\n`,
      /bad\.yaml: thresholds\.1: unknown metric "latncy"/,
    ],
    [
      "a plan too large for memory",
      (t: string) => t.replace("rate: 5", "rate: 1000000"),
      /bad\.yaml: traffic: plans about 20,000,000 requests/,
    ],
    [
      "a timeout of zero",
      (t: string) => t.replace("timeout: 30s", "timeout: 0s"),
      /timeout: expected a duration above zero/,
    ],
  ])("%s", async (_what, edit, message) => {
    const dir = tmp();
    writeFileSync(join(dir, "bad.yaml"), edit(TINY));
    for (const argv of [
      ["validate", "bad.yaml"],
      ["run", "bad.yaml", "--mode", "sim", "--out", "out"],
    ]) {
      const { code, err } = await cli(argv, { cwd: dir });
      expect(code, argv.join(" ")).toBe(2);
      expect(err).toMatch(message);
      expect(err).not.toMatch(NO_STACK);
    }
  });

  it("a directory where a scenario file should be", async () => {
    const dir = tmp();
    const { code, err } = await cli(["validate", "./"], { cwd: dir });
    expect(code).toBe(2);
    expect(err).toMatch(/is a directory; expected a YAML or JSON file/);
  });

  it("an --out where no report can be written, found before the run", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "file"), "");
    const { code, err } = await cli(["run", "lunch-rush", "--out", join(dir, "file", "sub")]);
    expect(code).toBe(2);
    expect(err).toMatch(/--out .*: cannot write report files there/);
  });

  it("bad flags and bad flag values", async () => {
    for (const argv of [
      ["run", "lunch-rush", "--mode", "fast"],
      ["run", "lunch-rush", "--bogus"],
      ["run", "lunch-rush", "--speed", "-3"],
      ["run", "lunch-rush", "--format", "pdf"],
      ["run", "lunch-rush", "--threshold", "interactive.latncy.p95<5"],
      ["run", "lunch-rush", "--set", "traffic.0.rate=fast"],
      ["run", "lunch-rush", "--set", "traffic.9.rate=3"],
      ["run", "lunch-rush", "--set", "__proto__.polluted=1"],
      ["run", "lunch-rush", "--set", "router"],
      ["frobnicate"],
      [],
    ]) {
      const { code, err } = await cli(argv);
      expect(code, argv.join(" ")).toBe(2);
      expect(err, argv.join(" ")).toMatch(/error|Usage/);
      expect(err).not.toMatch(NO_STACK);
    }
  });
});

describe("list, validate, schema, help", () => {
  it("list shows each built-in with its duration and what it shows", async () => {
    const { code, out } = await cli(["list"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^lunch-rush\s+10m\s+A billing email lands/m);
  });

  it("validate accepts built-ins and profile files", async () => {
    const { code, out } = await cli(["validate", "lunch-rush", "mocks/openai.yaml"]);
    expect(code).toBe(0);
    expect(out).toMatch(
      /ok {2}scenarios\/lunch-rush\.yaml \(scenario\)\nok {2}mocks\/openai\.yaml \(profile\)/,
    );
  });

  it("schema prints a JSON Schema that describes the scenario file", async () => {
    const { code, out } = await cli(["schema", "scenario"]);
    expect(code).toBe(0);
    const schema = JSON.parse(out);
    expect(schema.type).toBe("object");
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["name", "duration", "vendors", "traffic", "router"]),
    );
    expect(schema.additionalProperties).toBe(false);
    expect((await cli(["schema", "bogus"])).code).toBe(2);
  });

  it("--help and --version exit 0", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/run \[options\] <scenario>/);
    expect((await cli(["--version"])).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
