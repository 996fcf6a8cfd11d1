import { beforeAll, describe, expect, it } from "vitest";
import {
  describeChain,
  type ParityCase,
  parityProblems,
  reactionChains,
  runBothModes,
  throttles,
  warmUpLive,
} from "../test-support/parity.js";

/**
 * Live and sim run the same vendor model and router core; only the clock and the
 * way to a vendor differ. Each case runs one short scenario (30-42 scenario s) in
 * both modes on the same seed and checks they agree: ledger totals, routes throttled
 * and how often, per-route errors and billed tokens, the router's chain of reactions
 * around each fault, and fault detection (tolerances in test-support/parity.ts).
 *
 * Live runs at --speed 10, so each takes 3-5 wall seconds. A live run whose harness
 * was too busy to be trusted (a loaded machine) is tried once more, then the case is
 * SKIPPED with the reason: its numbers say more about the machine than about live
 * mode, and failing on them would make the suite flaky, not stricter.
 */
const SPEED = 10;

interface Case extends ParityCase {
  name: string;
  /** What the scenario must show in sim, so that agreeing means something. */
  expect: (sim: Awaited<ReturnType<typeof runBothModes>>["sim"]) => void;
}

const A_OPENAI = "vendor-a/gpt-4o-mini";

const CASES: Case[] = [
  {
    name: "outage: an OpenAI vendor refuses connections, an Anthropic one takes over (streamed and not)",
    fixture: "outage",
    expect: (sim) => {
      // Opened, probed while still down (opened again), probed back after the outage.
      expect(reactionChains(sim)[A_OPENAI]!.map((r) => r.kind)).toEqual([
        "open",
        "probe",
        "open",
        "probe",
        "open",
        "probe",
        "healthy",
      ]);
    },
  },
  {
    name: "429 storm: Anthropic (retry-after headers), then Gemini (RetryInfo in the body)",
    fixture: "throttle-storm",
    expect: (sim) => {
      const t = throttles(sim);
      expect(t["vendor-a/claude-haiku-4-5"]).toBeGreaterThan(0);
      expect(t["vendor-b/gemini-2.5-flash"]).toBeGreaterThan(10);
      expect(t["vendor-c/gpt-4o-mini"]).toBe(0);
      expect(reactionChains(sim)["vendor-b/gemini-2.5-flash"]!.map((r) => r.kind)).toEqual([
        "cooling",
        "open",
        "probe",
        "open",
        "probe",
        "healthy",
      ]);
    },
  },
  {
    name: "slow vendor: a Gemini vendor 4 s slower with no error is stepped down and back",
    fixture: "slow-vendor",
    expect: (sim) => {
      const chain = reactionChains(sim)["vendor-a/gemini-2.5-flash"]!;
      expect(chain.map((r) => r.kind)).toEqual(["slow", "normal"]);
    },
  },
  {
    name: "broken answers: stream errors, resets and 500s on OpenAI, Anthropic and Gemini",
    fixture: "broken-answers",
    expect: (sim) => {
      // Streamed cuts are stream errors after a 200; unstreamed, 500s or dropped connections.
      for (const route of sim.routes) {
        for (const category of ["stream-error", "server-error", "connection"]) {
          expect(route.errors[category] ?? 0, `${route.vendor} ${category}`).toBeGreaterThan(3);
        }
      }
    },
  },
  {
    name: "stated limits under the naive router: 429s from the limiters of three wire formats",
    fixture: "rate-limits",
    router: "naive",
    expect: (sim) => {
      for (const count of Object.values(throttles(sim))) expect(count).toBeGreaterThan(20);
      expect(sim.ledger.failed.throttled).toBeGreaterThan(0);
    },
  },
  {
    name: "stated limits under the playbook: budgets learned from each format's headers",
    fixture: "rate-limits",
    expect: (sim) => {
      expect(sim.ledger.shed["wait-budget"]).toBeGreaterThan(0);
    },
  },
];

describe("live and sim agree on the same scenario and seed", () => {
  beforeAll(() => warmUpLive(SPEED));

  it.for(CASES)("$name", async (c, ctx) => {
    const { sim, live, notComparable, liveTries } = await runBothModes(c, SPEED);
    c.expect(sim);
    if (notComparable) {
      const reason = `SKIPPED after ${liveTries} live runs: ${notComparable}`;
      console.warn(`parity "${c.fixture}": ${reason}`);
      ctx.skip(reason);
    }
    const problems = parityProblems(sim, live);
    if (problems.length > 0) {
      // The chains of both runs, to tell a real disagreement from timing at a glance.
      const chains = (r: typeof sim) =>
        Object.entries(reactionChains(r)).map(([route, ch]) => `${route}: ${describeChain(ch)}`);
      problems.push("-- sim chains", ...chains(sim), "-- live chains", ...chains(live));
    }
    expect(problems).toEqual([]);
  });
});
