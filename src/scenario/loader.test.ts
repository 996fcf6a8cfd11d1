import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProfile, loadScenario } from "./loader.js";
import { parseOverride } from "./overrides.js";
import { InputError } from "./problems.js";
import { builtInProfileNames, builtInScenarioNames, PROFILES_DIR } from "./registry.js";

const GOOD = `name: tiny
description: a small scenario
duration: 1m
vendors:
  vendor-a: { profile: openai }
traffic:
  - type: constant
    lane: interactive
    class: chat
    rate: 2
    prompt: 100
    completion: 20
router:
  classes:
    chat: [vendor-a/gpt-4o-mini]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 10, timeout: 10s, deadline: 30s }
`;

function scenarioFile(text: string, name = "scenario.yaml"): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-loader-"));
  writeFileSync(join(dir, name), text);
  return { dir, file: name };
}

function problemsOf(text: string, overrides: string[] = []): string[] {
  const { dir, file } = scenarioFile(text);
  try {
    loadScenario(file, { cwd: dir, overrides: overrides.map(parseOverride) });
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error("expected the scenario to be rejected");
}

describe("scenario loader", () => {
  it("every built-in scenario and vendor profile loads and validates", () => {
    expect(builtInScenarioNames()).toContain("lunch-rush");
    for (const name of builtInScenarioNames()) {
      const s = loadScenario(name, { cwd: process.cwd() });
      expect(s.name).toBe(name);
      expect(s.durationMs).toBeGreaterThan(0);
    }
    for (const name of builtInProfileNames())
      expect(loadProfile(join(PROFILES_DIR, `${name}.yaml`), process.cwd()).name).toBe(name);
  });

  it("resolves durations, shares of the duration and profiles", () => {
    const { dir, file } = scenarioFile(
      GOOD.replace("rate: 2", "rate: 2\n    from: 50%\n    for: 10s"),
    );
    const s = loadScenario(file, { cwd: dir });
    expect(s.durationMs).toBe(60_000);
    expect(s.traffic[0]).toMatchObject({ type: "constant", fromMs: 30_000, untilMs: 40_000 });
    expect(s.vendors[0]?.models.map((m) => m.name)).toContain("gpt-4o-mini");
    expect(s.router.lanes[0]).toMatchObject({
      name: "interactive",
      waitBudgetMs: 2000,
      deadlineMs: 30_000,
    });
    expect(s.speed).toBe(1);
    expect(s.seed).toBe(1);
  });

  it("names the file, the path and a suggestion for a mistyped key, with its line", () => {
    const problems = problemsOf(GOOD.replace("duration: 1m", "durration: 1m"));
    expect(problems).toContain(
      'scenario.yaml: (top level): unknown key "durration" (did you mean "duration"?) (line 1)',
    );
    expect(problems).toContain(
      "scenario.yaml: duration: required: expected number or string (line 1)",
    );
  });

  it("says what was expected and what it got for a wrong type", () => {
    const problems = problemsOf(GOOD.replace("rate: 2", 'rate: "fast"'));
    expect(problems).toEqual([
      'scenario.yaml: traffic.0.rate: expected number (got "fast") (line 10)',
    ]);
  });

  it("lists the allowed kinds for an unknown type", () => {
    const problems = problemsOf(GOOD.replace("type: constant", "type: burst"));
    expect(problems).toEqual([
      'scenario.yaml: traffic.0.type: expected one of "constant", "spike", "poisson", "ramp", "step", "diurnal", "replay" (got "burst") (line 7)',
    ]);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(
      GOOD.replace("rate: 2", "rate: -1")
        .replace("priority: 0", "priority: first")
        .replace("duration: 1m", "duration: soon"),
    );
    expect(problems.length).toBe(3);
    expect(problems.some((p) => p.startsWith("scenario.yaml: duration: "))).toBe(true);
    expect(problems.some((p) => p.startsWith("scenario.yaml: traffic.0.rate: "))).toBe(true);
    expect(
      problems.some((p) =>
        p.startsWith("scenario.yaml: router.lanes.interactive.priority: expected number"),
      ),
    ).toBe(true);
  });

  it("rejects an unknown vendor profile, suggesting the one meant", () => {
    const problems = problemsOf(GOOD.replace("profile: openai", "profile: opneai"));
    expect(problems).toEqual([
      'scenario.yaml: vendors.vendor-a.profile: unknown profile "opneai" (did you mean "openai"?) (line 5)',
    ]);
  });

  it("rejects a route to a vendor the scenario does not have, and a model the vendor lacks", () => {
    const problems = problemsOf(
      GOOD.replace("chat: [vendor-a/gpt-4o-mini]", "chat: [vendor-x/gpt-4o-mini, vendor-a/gpt-9]"),
    );
    expect(problems).toEqual([
      'scenario.yaml: router.classes.chat.0: unknown vendor "vendor-x" (vendors of this scenario: vendor-a) (line 15)',
      'scenario.yaml: router.classes.chat.1: vendor "vendor-a" has no model "gpt-9" (it has: gpt-4o-mini, gpt-4o) (line 15)',
    ]);
  });

  it("rejects traffic in a lane or class the router does not have", () => {
    const problems = problemsOf(GOOD.replace("lane: interactive", "lane: batch"));
    expect(problems).toEqual([
      'scenario.yaml: traffic.0.lane: unknown lane "batch" (router.lanes has: interactive) (line 8)',
    ]);
  });

  it("reports a YAML syntax error with its line", () => {
    const problems = problemsOf(
      GOOD.replace("  vendor-a: { profile: openai }", "  vendor-a: { profile: openai"),
    );
    expect(problems[0]).toMatch(/^scenario\.yaml: line \d+: /);
  });

  it("reports a missing file and an unknown built-in name", () => {
    expect(() => loadScenario("nope.yaml", { cwd: tmpdir() })).toThrow(/nope\.yaml: no such file/);
    expect(() => loadScenario("lunch-rusj", { cwd: tmpdir() })).toThrow(
      /did you mean "lunch-rush"/,
    );
  });

  it("applies --set overrides before validating, and validates what they set", () => {
    const { dir, file } = scenarioFile(GOOD);
    const s = loadScenario(file, {
      cwd: dir,
      overrides: ["duration=1h", "seed=7", "router.headroom=0.7"].map(parseOverride),
    });
    expect(s.durationMs).toBe(3_600_000);
    expect(s.seed).toBe(7);
    expect(s.router.headroom).toBe(0.7);
    expect(problemsOf(GOOD, ["router.headroom=lots"])).toEqual([
      'scenario.yaml: router.headroom: expected number (got "lots") (from --set router.headroom=lots)',
    ]);
    expect(() => parseOverride("duration")).toThrow(/expected path=value/);
  });

  it("reads a router config from its own file and reports its problems against that file", () => {
    const { dir } = scenarioFile(GOOD);
    writeFileSync(
      join(dir, "router.yaml"),
      "headroom: 2\nclasses: { chat: [vendor-a/gpt-4o-mini] }\nlanes: {}\n",
    );
    expect(() =>
      loadScenario("scenario.yaml", { cwd: dir, routerFile: join(dir, "router.yaml") }),
    ).toThrow(/router\.yaml: headroom: expected number to be <=1 \(got 2\) \(line 1\)/);
  });
});
