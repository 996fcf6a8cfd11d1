import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Comparison, compareReports } from "../report/compare.js";
import { renderComparisonHtml } from "../report/compare-html.js";
import type { JsonReport } from "../report/json-report.js";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

async function cli(argv: string[]) {
  const io = testIo(argv);
  const code = await main(io);
  return { code, out: io.out(), err: io.err() };
}

const dir = mkdtempSync(join(tmpdir(), "gw-chaos-compare-"));
const playbook = join(dir, "playbook", "report.json");
const naive = join(dir, "naive", "report.json");

beforeAll(async () => {
  for (const [router, out] of [
    ["playbook", join(dir, "playbook")],
    ["naive", join(dir, "naive")],
  ] as const) {
    const run = ["run", "lunch-rush", "--mode", "sim", "--quiet", "--router", router];
    await cli([...run, "--out", out]);
  }
});

describe("gw-chaos compare", () => {
  it("a run compared with itself shows zero deltas and no flipped threshold", async () => {
    const { code, out } = await cli(["compare", playbook, playbook, "--json"]);
    expect(code).toBe(0);
    const c = JSON.parse(out) as Comparison;
    expect(c.sameStorm).toBe(true);
    const deltas = [
      ...Object.values(c.lanes).flatMap((f) => Object.values(f)),
      ...Object.values(c.routes).flatMap((f) => Object.values(f)),
      ...Object.values(c.totals),
      ...Object.values(c.ledger),
    ];
    expect(deltas.length).toBeGreaterThan(20);
    for (const d of deltas) expect(d.delta === null || d.delta === 0).toBe(true);
    expect(c.thresholds.every((t) => t.flip === null)).toBe(true);
  });

  it("playbook against naive on the same storm: the deltas and the threshold that broke", async () => {
    const { code, out } = await cli(["compare", playbook, naive, "--json"]);
    expect(code).toBe(0);
    const c = JSON.parse(out) as Comparison;
    expect(c.b.rulesOff).toHaveLength(19);
    expect(c.lanes.interactive!.okRate!.delta!).toBeLessThan(-0.2);
    expect(c.routes["vendor-a/gpt-4o-mini"]!.throttled!.delta!).toBeGreaterThan(1000);
    expect(c.thresholds.find((t) => t.expr === "interactive.ok.rate>=0.95")).toMatchObject({
      a: true,
      b: false,
      flip: "broke",
    });
    const table = await cli(["compare", playbook, naive]);
    expect(table.out).toMatch(/interactive\.ok\.rate>=0\.95 {2}a pass · b FAIL {2}broke in b/);
    const md = await cli(["compare", playbook, naive, "--markdown"]);
    expect(md.out).toMatch(/\| `interactive\.ok\.rate>=0\.95` \| pass \| \*\*FAIL\*\* \| broke \|/);
  });

  it("run --router A --router B runs both on the same seed and writes one comparison", async () => {
    const out = join(dir, "both");
    const { code, out: printed } = await cli([
      "run",
      "lunch-rush",
      "--mode",
      "sim",
      "--router",
      "playbook",
      "--router",
      "naive",
      "--out",
      out,
    ]);
    // The naive run fails a threshold: exit 1, as a single naive run would.
    expect(code).toBe(1);
    expect(printed).toMatch(/a: --router playbook\nb: --router naive/);
    const c = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8")) as Comparison;
    expect(c.sameStorm).toBe(true);
    expect(c.thresholds.find((t) => t.flip === "broke")?.expr).toBe("interactive.ok.rate>=0.95");
    // Each run keeps its own report, the same as a run on its own writes.
    const a = JSON.parse(readFileSync(join(out, "a", "report.json"), "utf8")) as JsonReport;
    const alone = JSON.parse(readFileSync(playbook, "utf8")) as JsonReport;
    expect(a.ledger).toEqual(alone.ledger);
    expect(readFileSync(join(out, "comparison.md"), "utf8")).toMatch(/## gw-chaos compare/);
    // Both runs overlaid in one self-contained page.
    const html = readFileSync(join(out, "comparison.html"), "utf8");
    for (const chart of ["latency", "share", "throttled", "queue"])
      expect(html).toContain(`data-chart="${chart}"`);
    expect(html).toMatch(/stroke-dasharray/);
    expect(html).not.toMatch(/<script|src=/i);
    expect(html).toContain(
      "<td>interactive.ok.rate&gt;=0.95</td><td>pass</td><td>FAIL</td><td>broke</td>",
    );
    const three = await cli([
      "run",
      "lunch-rush",
      "--mode",
      "sim",
      "--router",
      "a",
      "--router",
      "b",
      "--router",
      "c",
    ]);
    expect(three.code).toBe(2);
    expect(three.err).toMatch(/--router: give one router, or two to compare \(got 3\)/);
  });

  it("findings of both runs side by side, matched by id, with the ones that broke in b", async () => {
    // Verdicts set by hand on the two real reports: compare reads only the findings array.
    const a = JSON.parse(readFileSync(playbook, "utf8")) as JsonReport;
    const b = JSON.parse(readFileSync(naive, "utf8")) as JsonReport;
    a.findings = [
      { id: "sendsAfter429", rule: "P14", ok: true, value: 0, summary: "no send inside a window" },
      { id: "retryAmplification", rule: "P18", ok: true, value: 1.02, summary: "1.02 per request" },
      { id: "silentUpstream", rule: "P9", ok: true, value: null, summary: "nothing to judge" },
    ];
    // b in another order, with one finding a lacks.
    b.findings = [
      { id: "retryAmplification", rule: "P18", ok: true, value: 1.4, summary: "1.40 per request" },
      { id: "sendsAfter429", rule: "P14", ok: false, value: 37, summary: "37 sends inside" },
      { id: "retryJitter", rule: "P18", ok: false, value: 0.93, summary: "93% the same gap" },
    ];
    const fa = join(dir, "findings-a.json");
    const fb = join(dir, "findings-b.json");
    writeFileSync(fa, JSON.stringify(a));
    writeFileSync(fb, JSON.stringify(b));

    const json = await cli(["compare", fa, fb, "--json"]);
    expect(json.code).toBe(0);
    const c = JSON.parse(json.out) as Comparison;
    expect(c.findings).toEqual([
      {
        id: "sendsAfter429",
        rule: "P14",
        a: { ok: true, value: 0 },
        b: { ok: false, value: 37 },
        flip: "broke",
      },
      {
        id: "retryAmplification",
        rule: "P18",
        a: { ok: true, value: 1.02 },
        b: { ok: true, value: 1.4 },
        flip: null,
      },
      { id: "silentUpstream", rule: "P9", a: { ok: true, value: null }, b: null, flip: null },
      { id: "retryJitter", rule: "P18", a: null, b: { ok: false, value: 0.93 }, flip: null },
    ]);
    const table = await cli(["compare", fa, fb]);
    expect(table.out).toMatch(/Findings/);
    expect(table.out).toMatch(/│ P14 sendsAfter429 +│ ok 0 +│ FAIL 37 +│ broke in b │/);
    expect(table.out).toMatch(/│ P18 retryAmplification │ ok 1\.02× +│ ok 1\.40× +│ +│/);
    expect(table.out).toMatch(/│ P9 silentUpstream +│ n\/a +│ - +│ +│/);
    expect(table.out).toMatch(/│ P18 retryJitter +│ - +│ FAIL 93\.0% +│ +│/);
    const md = await cli(["compare", fa, fb, "--markdown"]);
    expect(md.out).toContain("| P14 sendsAfter429 | ok 0 | **FAIL 37** | broke |");
    expect(md.out).toContain("| P9 silentUpstream | n/a | - |  |");
    const html = renderComparisonHtml(compareReports(a, b), a, b);
    expect(html).toContain("<tr><th>finding</th><th>a</th><th>b</th><th>flip</th><th></th></tr>");
    expect(html).toContain(
      "<tr><td>P14 sendsAfter429</td><td>ok 0</td><td>FAIL 37</td><td>broke</td><td></td></tr>",
    );

    // A report written before findings existed compares: its side of each finding is absent.
    const { findings: _, ...old } = a;
    const fo = join(dir, "no-findings.json");
    writeFileSync(fo, JSON.stringify(old));
    const mixed = JSON.parse((await cli(["compare", fo, fb, "--json"])).out) as Comparison;
    expect(mixed.findings.map((f) => [f.id, f.a, f.flip])).toEqual([
      ["retryAmplification", null, null],
      ["sendsAfter429", null, null],
      ["retryJitter", null, null],
    ]);
    // Neither has findings: no block.
    const none = join(dir, "findings-none.json");
    writeFileSync(none, JSON.stringify({ ...a, findings: [] }));
    expect((await cli(["compare", none, none])).out).not.toContain("Findings");
  });

  it("says in one line why a file is not a report it can compare, and exits 2", async () => {
    const notJson = join(dir, "not.json");
    writeFileSync(notJson, "{ nope");
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ tool: "k6", version: 1 }));
    const future = join(dir, "future.json");
    writeFileSync(future, JSON.stringify({ tool: "gw-chaos", version: 2 }));
    for (const [file, message] of [
      [join(dir, "missing.json"), /missing\.json: no such file/],
      [notJson, /not\.json: not JSON/],
      [other, /other\.json: not a gw-chaos report/],
      [future, /future\.json: report version 2; this gw-chaos reads version 1/],
    ] as const) {
      const { code, err } = await cli(["compare", playbook, file]);
      expect(code).toBe(2);
      expect(err).toMatch(message);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });
});
