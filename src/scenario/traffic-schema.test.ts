import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPlan } from "../traffic/plan.js";
import { loadScenario, MAX_PLANNED_REQUESTS } from "./loader.js";
import { parseOverride } from "./overrides.js";
import { InputError } from "./problems.js";

/** A scenario around the given traffic (YAML list items, indented by two). */
function scenario(traffic: string): string {
  return `name: traffic
duration: 10m
vendors:
  vendor-a: { profile: openai }
traffic:
${traffic}
router:
  classes:
    chat: [vendor-a/gpt-4o-mini]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 10, timeout: 10s, deadline: 30s }
    background: { priority: 1, waitBudget: 60s, maxQueue: 100, timeout: 60s, deadline: 5m }
`;
}

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-traffic-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function load(traffic: string, files: Record<string, string> = {}, overrides: string[] = []) {
  const dir = dirWith({ "scenario.yaml": scenario(traffic), ...files });
  return loadScenario("scenario.yaml", { cwd: dir, overrides: overrides.map(parseOverride) });
}

function problemsOf(traffic: string, files: Record<string, string> = {}): string[] {
  try {
    load(traffic, files);
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error("expected the scenario to be rejected");
}

const SHAPE = "lane: interactive, class: chat, prompt: 100, completion: 20";

describe("traffic in scenario files", () => {
  it("resolves every new kind, with times as shares of the duration", () => {
    const s = load(`  - { type: poisson, rate: 5, from: 10%, for: 20%, ${SHAPE} }
  - { type: ramp, start: 1, end: 10, from: 50%, ${SHAPE} }
  - type: step
    steps: [{ at: 0, rate: 2 }, { at: 30%, rate: 8 }, { at: 60%, rate: 0 }]
    lane: interactive
    class: chat
    prompt: { type: lognormal, median: 800, sigma: 1, max: 8000 }
    completion: 20
  - { type: diurnal, base: 1, peak: 6, period: 50%, peakAt: 25%, ${SHAPE} }`);
    expect(s.traffic).toMatchObject([
      { type: "poisson", rate: 5, fromMs: 60_000, untilMs: 180_000, tenant: "default" },
      { type: "ramp", startRate: 1, endRate: 10, fromMs: 300_000, forMs: 300_000 },
      {
        type: "step",
        steps: [
          { atMs: 0, rate: 2 },
          { atMs: 180_000, rate: 8 },
          { atMs: 360_000, rate: 0 },
        ],
        prompt: { type: "lognormal", median: 800, sigma: 1, max: 8000 },
      },
      { type: "diurnal", base: 1, peak: 6, periodMs: 300_000, peakMs: 150_000, fromMs: 0 },
    ]);
  });

  it("keeps each kind's shape when --set duration stretches the drill", () => {
    const traffic = `  - type: step
    steps: [{ at: 0, rate: 1 }, { at: 50%, rate: 3 }]
    ${SHAPE.replaceAll(", ", "\n    ")}
  - { type: diurnal, base: 0, peak: 2, period: 100%, ${SHAPE} }`;
    const short = load(traffic);
    const long = load(traffic, {}, ["duration=1h"]);
    expect(long.traffic[0]).toMatchObject({ steps: [{ atMs: 0 }, { atMs: 1_800_000 }] });
    expect(long.traffic[1]).toMatchObject({ periodMs: 3_600_000, peakMs: 1_800_000 });
    // Six times as long, six times as many requests.
    const count = (s: typeof short, i: number) =>
      buildPlan([s.traffic[i]!], s.durationMs, s.seed).length;
    expect(count(long, 0)).toBe(6 * count(short, 0));
    expect(count(long, 1)).toBe(6 * count(short, 1));
  });

  it("draws tenants by weight, and carries naive client retries", () => {
    const s = load(`  - type: constant
    rate: 50
    tenants: { acme: 5, small-co: 1 }
    clientRetries: { max: 3, delay: 1s }
    ${SHAPE.replaceAll(", ", "\n    ")}
  - { type: constant, rate: 1, tenant: solo, ${SHAPE} }`);
    expect(s.traffic[0]).toMatchObject({
      tenants: [
        { name: "acme", weight: 5 },
        { name: "small-co", weight: 1 },
      ],
      clientRetries: { max: 3, delayMs: 1000 },
    });
    const plan = buildPlan(s.traffic, s.durationMs, s.seed);
    const first = plan.filter((p) => p.tenant !== "solo");
    const acme = first.filter((p) => p.tenant === "acme").length / first.length;
    expect(Math.abs(acme - 5 / 6)).toBeLessThan(0.02);
    expect(first.every((p) => p.clientRetries?.max === 3 && p.clientRetries.delayMs === 1000)).toBe(
      true,
    );
    expect(plan.filter((p) => p.tenant === "solo")).toHaveLength(600);
  });

  it("answers a mistyped key of a kind or a size with what was meant", () => {
    expect(
      problemsOf(`  - { type: diurnal, base: 1, peek: 6, ${SHAPE} }`).filter((p) =>
        p.includes("unknown key"),
      ),
    ).toEqual(['scenario.yaml: traffic.0: unknown key "peek" (did you mean "peak"?) (line 6)']);
    expect(
      problemsOf(
        "  - { type: constant, rate: 1, lane: interactive, class: chat, completion: 20,\n" +
          "      prompt: { type: lognormal, median: 800, sigma: 1, mx: 8000 } }",
      ).filter((p) => p.includes("unknown key")),
    ).toEqual(['scenario.yaml: traffic.0.prompt: unknown key "mx" (did you mean "max"?) (line 7)']);
    expect(
      problemsOf(`  - { type: constant, rate: 1, clientRetrys: { max: 2 }, ${SHAPE} }`),
    ).toEqual([
      'scenario.yaml: traffic.0: unknown key "clientRetrys" (did you mean "clientRetries"?) (line 6)',
    ]);
  });

  it("reports what zod cannot see: sizes, steps out of order, a peak under its base, two tenant fields", () => {
    expect(
      problemsOf(`  - type: step
    steps: [{ at: 50%, rate: 2 }, { at: 1m, rate: 8 }]
    tenant: acme
    tenants: { acme: 1 }
    lane: interactive
    class: chat
    completion: 20
    prompt:
      type: mixture
      of:
        - { weight: 95, size: { type: uniform, min: 1500, max: 200 } }
        - { weight: 5, size: 40000 }
  - { type: diurnal, base: 5, peak: 1, ${SHAPE} }`),
    ).toEqual([
      "scenario.yaml: traffic.0.prompt.of.0.size: min (1500) is above max (200) (line 16)",
      "scenario.yaml: traffic.0.tenants: give tenant or tenants, not both (line 9)",
      "scenario.yaml: traffic.0.steps.1.at: steps must be in time order (this one is at 1m, the one before at 5m) (line 7)",
      "scenario.yaml: traffic.1.peak: peak (1) is below base (5) (line 18)",
    ]);
  });

  it("refuses a plan too big for one run, whatever the kind", () => {
    for (const kind of [
      "{ type: poisson, rate: 10000",
      "{ type: ramp, start: 0, end: 20000",
      "{ type: diurnal, base: 9000, peak: 9000",
      "{ type: step, steps: [{ at: 0, rate: 9000 }]",
    ]) {
      const problems = problemsOf(`  - ${kind}, ${SHAPE} }`);
      expect(problems, kind).toEqual([
        expect.stringMatching(
          new RegExp(
            `^scenario\\.yaml: traffic: plans about [\\d,]+ requests; at most ${MAX_PLANNED_REQUESTS.toLocaleString("en-US")} fit`,
          ),
        ),
      ]);
    }
  });
});

const TRACE = [
  '{"t": 0, "lane": "interactive", "tenant": "acme", "prompt": 120, "completion": 30}',
  '{"t": "2s", "lane": "background", "tenant": "acme", "prompt": 40000, "completion": 200, "stream": true}',
  '{"t": 2500, "lane": "interactive", "tenant": "b", "class": "chat", "prompt": 80, "completion": 10}',
].join("\n");

describe("replay in scenario files", () => {
  it("reads the trace relative to the scenario file and plays it from its start at its speed", () => {
    const s = load(
      "  - { type: replay, file: traces/day.jsonl, class: chat, speed: 2, from: 1m, clientRetries: { max: 2 } }",
      { "traces/day.jsonl": TRACE },
    );
    expect(s.traffic[0]).toMatchObject({ type: "replay", fromMs: 60_000, speed: 2, class: "chat" });
    const plan = buildPlan(s.traffic, s.durationMs, s.seed);
    expect(plan).toMatchObject([
      { intendedMs: 60_000, lane: "interactive", class: "chat", tenant: "acme", promptTokens: 120 },
      { intendedMs: 61_000, lane: "background", promptTokens: 40_000, stream: true },
      { intendedMs: 61_250, tenant: "b", completionTokens: 10 },
    ]);
    expect(plan.every((p) => p.clientRetries?.delayMs === 1000)).toBe(true);
  });

  it("reports a bad trace line by file, field and line, like a scenario problem", () => {
    const bad = `${TRACE}\n{"t": 3000, "lane": "interactive", "prompt": -5, "completion": 1}\n`;
    expect(
      problemsOf("  - { type: replay, file: traces/day.jsonl, class: chat }", {
        "traces/day.jsonl": bad,
      }),
    ).toEqual([
      expect.stringMatching(/^traces\/day\.jsonl: prompt: expected number to be >=0 .*\(line 4\)$/),
    ]);
  });

  it("checks the trace's lanes and classes against the router, naming the line", () => {
    const trace = [
      '{"t": 0, "lane": "interactiv", "prompt": 1, "completion": 1}',
      '{"t": 1, "lane": "interactive", "class": "chta", "prompt": 1, "completion": 1}',
      '{"t": 2, "lane": "interactive", "prompt": 1, "completion": 1}',
    ].join("\n");
    expect(problemsOf("  - { type: replay, file: t.jsonl }", { "t.jsonl": trace })).toEqual([
      't.jsonl: lane: unknown lane "interactiv" (router.lanes has: interactive, background) (line 1)',
      "t.jsonl: class: required: the line gives no class and traffic.0 has no class for it (line 1)",
      't.jsonl: class: unknown class "chta" (router.classes has: chat) (line 2)',
      "t.jsonl: class: required: the line gives no class and traffic.0 has no class for it (line 3)",
    ]);
  });

  it("reports a missing trace at the replay's file field", () => {
    expect(problemsOf("  - { type: replay, file: nope.jsonl, class: chat }")).toEqual([
      expect.stringMatching(
        /^scenario\.yaml: traffic\.0\.file: no such file "nope\.jsonl" .*\(line 6\)$/,
      ),
    ]);
  });
});
