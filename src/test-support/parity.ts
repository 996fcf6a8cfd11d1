import { fileURLToPath } from "node:url";
import { buildJsonReport, type JsonReport } from "../report/json-report.js";
import type { RouterEvent } from "../router/router.js";
import { runScenario } from "../run/run-scenario.js";
import { loadScenario } from "../scenario/loader.js";
import { parseOverride } from "../scenario/overrides.js";

/**
 * The live/sim parity suite's rules: one conformance check that both modes must pass
 * on the same scenario and seed (hono's one suite for every router). Sim is exact;
 * live has wall-clock jitter, so counts and times agree within stated tolerances.
 *
 * Why these tolerances: a comparable live run (below) sends each request within a
 * few hundred scenario ms of its intended time. That moves a few requests across a
 * fault window's edge, a limiter's slice or a cooldown's end; and once two requests
 * reach a vendor (or come back to the router) in the other order, the seeded draws
 * fall on different requests from then on: the vendor's (a latency, which request a
 * fault with probability < 1 hits) and the router's (a retry's jittered backoff, so
 * whether a retry lands inside a fault window, and its request ends failed or ok).
 * Measured at --speed 10 on a busy 2-core machine, counts of a few tens differed by
 * up to 6, larger ones by up to ~15%; at --speed 3 the same cases agree within 4.
 * Counts therefore agree within max(COUNT_SLACK, COUNT_SHARE of the larger); a route's
 * chain of reactions must be the same, each reaction within EVENT_SLACK_MS of sim's
 * (a route comes back when its probe is answered: a latency draw, up to ~2 s apart).
 */
export const COUNT_SLACK = 6;
export const COUNT_SHARE = 0.2;
export const EVENT_SLACK_MS = 2500;
/**
 * A live run is comparable when the harness trusts itself and its send lag stays
 * within this many scenario ms at p99. Trust is judged in wall ms (50 at p99), which
 * is 50 × --speed scenario ms: this bound keeps the suite's meaning if its speed rises.
 */
export const MAX_SEND_LAG_SCENARIO_MS = 500;

const FIXTURES = fileURLToPath(new URL("../run/fixtures/parity/", import.meta.url));

export interface ParityCase {
  /** A fixture in src/run/fixtures/parity/, without .yaml. */
  fixture: string;
  /** A router preset instead of the fixture's own router (`--router naive`). */
  router?: "naive" | "playbook";
  /** `--set`-style overrides. */
  set?: string[];
}

export interface ParityRuns {
  sim: JsonReport;
  live: JsonReport;
  /** Why the live run cannot be compared with sim (the machine was too busy); else undefined. */
  notComparable: string | undefined;
  liveTries: number;
}

function load(c: ParityCase) {
  return loadScenario(`${FIXTURES}${c.fixture}.yaml`, {
    cwd: FIXTURES,
    overrides: (c.set ?? []).map(parseOverride),
    ...(c.router ? { routerFile: c.router } : {}),
  });
}

/** Why a live run's numbers are distorted by its own harness, or undefined when they are not. */
export function whyNotComparable(live: JsonReport): string | undefined {
  const { harness, speed } = live;
  const lagMs = (harness.sendLagMs.p99 ?? 0) * speed;
  if (!harness.trusted || lagMs > MAX_SEND_LAG_SCENARIO_MS) {
    return (
      `live harness too busy to compare (trusted ${harness.trusted}, event-loop delay p99 ` +
      `${harness.eventLoopDelayMs.p99} wall ms, send lag p99 ${Math.round(lagMs)} scenario ms ` +
      `at --speed ${speed}; limit ${MAX_SEND_LAG_SCENARIO_MS})`
    );
  }
  return undefined;
}

/**
 * Runs a case in sim, then live at the given speed; a live run that is not
 * comparable (a busy machine) is tried once more before giving up.
 */
export async function runBothModes(c: ParityCase, speed: number): Promise<ParityRuns> {
  const scenario = load(c);
  const report = async (mode: "sim" | "live") =>
    buildJsonReport(await runScenario(scenario, { mode, seed: 1, speed }), "parity");
  const sim = await report("sim");
  let live = await report("live");
  let liveTries = 1;
  let notComparable = whyNotComparable(live);
  if (notComparable) {
    live = await report("live");
    liveTries++;
    notComparable = whyNotComparable(live);
  }
  return { sim, live, notComparable, liveTries };
}

/**
 * A short live run before the cases: the first live run of a process is the one whose
 * code is not compiled yet, and on a busy machine its send lag alone made it not
 * comparable (p99 20 wall ms against 4 for the runs after it).
 */
export async function warmUpLive(speed: number): Promise<void> {
  const scenario = load({ fixture: "outage", set: ["duration=3s"] });
  await runScenario(scenario, { mode: "live", seed: 1, speed });
}

/** Whether two counts agree within the suite's tolerance. */
export function countsAgree(sim: number, live: number): boolean {
  return Math.abs(sim - live) <= Math.max(COUNT_SLACK, COUNT_SHARE * Math.max(sim, live));
}

function compareCounts(
  label: string,
  sim: Record<string, number>,
  live: Record<string, number>,
  problems: string[],
): void {
  for (const key of new Set([...Object.keys(sim), ...Object.keys(live)])) {
    const a = sim[key] ?? 0;
    const b = live[key] ?? 0;
    if (!countsAgree(a, b)) problems.push(`${label}.${key}: sim ${a}, live ${b}`);
  }
}

/** The ledger: the same requests generated, every one settled, outcomes by kind alike. */
export function ledgerProblems(sim: JsonReport, live: JsonReport): string[] {
  const problems: string[] = [];
  if (sim.ledger.generated !== live.ledger.generated) {
    problems.push(`generated: sim ${sim.ledger.generated}, live ${live.ledger.generated}`);
  }
  if (!sim.ledger.balanced) problems.push("sim ledger does not balance");
  if (!live.ledger.balanced) problems.push("live ledger does not balance");
  compareCounts(
    "ledger",
    { ok: sim.ledger.ok, deadline: sim.ledger.deadline },
    { ok: live.ledger.ok, deadline: live.ledger.deadline },
    problems,
  );
  compareCounts("ledger.failed", sim.ledger.failed, live.ledger.failed, problems);
  compareCounts("ledger.shed", sim.ledger.shed, live.ledger.shed, problems);
  return problems;
}

const routeName = (r: { vendor: string; model: string }) => `${r.vendor}/${r.model}`;

/** 429s per route: the routes that were throttled, and how often. */
export function throttles(report: JsonReport): Record<string, number> {
  return Object.fromEntries(report.routes.map((r) => [routeName(r), r.status["429"] ?? 0]));
}

/** The same routes throttled (any 429 at all), each about as often. */
export function throttleProblems(sim: JsonReport, live: JsonReport): string[] {
  const problems: string[] = [];
  const a = throttles(sim);
  const b = throttles(live);
  for (const route of Object.keys(a)) {
    if (a[route]! > 0 !== b[route]! > 0) {
      problems.push(`${route}: throttled in ${a[route]! > 0 ? "sim only" : "live only"}`);
    }
  }
  compareCounts("429s", a, b, problems);
  return problems;
}

/** Per route: attempts, errors by category and billed completion tokens, alike. */
export function routeProblems(sim: JsonReport, live: JsonReport): string[] {
  const problems: string[] = [];
  const byName = new Map(live.routes.map((r) => [routeName(r), r]));
  for (const a of sim.routes) {
    const b = byName.get(routeName(a))!;
    const name = routeName(a);
    compareCounts(name, { attempts: a.attempts }, { attempts: b.attempts }, problems);
    compareCounts(`${name}.errors`, a.errors, b.errors, problems);
    // Billed tokens scale with attempts (a few hundred each): compare them per attempt.
    const perAttempt = (r: typeof a) => (r.attempts === 0 ? 0 : r.tokens.completion / r.attempts);
    const [x, y] = [perAttempt(a), perAttempt(b)];
    if (Math.abs(x - y) > COUNT_SHARE * Math.max(x, y)) {
      problems.push(
        `${name}.tokens.completion per attempt: sim ${x.toFixed(1)}, live ${y.toFixed(1)}`,
      );
    }
  }
  return problems;
}

/** One step of a route's reactions: a kind of event, and when it first happened. */
export interface Reaction {
  kind: RouterEvent["kind"];
  t: number;
}

/**
 * A route's chain of reactions from the router's event log: consecutive events of one
 * kind are one step (three cooldowns in a row are "cooling"), kept at their first time.
 */
export function reactionChains(report: JsonReport): Record<string, Reaction[]> {
  const chains: Record<string, Reaction[]> = {};
  for (const event of report.router.events) {
    const chain = chains[event.route] ?? [];
    chains[event.route] = chain;
    if (chain.at(-1)?.kind !== event.kind) chain.push({ kind: event.kind, t: event.t });
  }
  return chains;
}

export const describeChain = (chain: readonly Reaction[] = []) =>
  chain.map((r) => `${r.kind}@${(r.t / 1000).toFixed(1)}s`).join(" → ") || "(none)";

/** The same reactions, in the same order, per route; each within EVENT_SLACK_MS of sim's. */
export function reactionProblems(sim: JsonReport, live: JsonReport): string[] {
  const problems: string[] = [];
  const a = reactionChains(sim);
  const b = reactionChains(live);
  for (const route of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[route] ?? [];
    const y = b[route] ?? [];
    const same =
      x.length === y.length &&
      x.every((r, i) => r.kind === y[i]!.kind && Math.abs(r.t - y[i]!.t) <= EVENT_SLACK_MS);
    if (!same) problems.push(`${route}: sim ${describeChain(x)}; live ${describeChain(y)}`);
  }
  return problems;
}

/** Each fault detected in both modes or in neither, at about the same time after onset. */
export function faultProblems(sim: JsonReport, live: JsonReport): string[] {
  const problems: string[] = [];
  sim.faults.forEach((a, i) => {
    const b = live.faults[i]!;
    const label = `fault ${a.kind} on ${a.vendor} at ${a.startMs / 1000}s: detect`;
    if ((a.detectMs === null) !== (b.detectMs === null)) {
      problems.push(`${label} sim ${a.detectMs}, live ${b.detectMs}`);
    } else if (a.detectMs !== null && Math.abs(a.detectMs - b.detectMs!) > EVENT_SLACK_MS) {
      problems.push(`${label} sim ${a.detectMs} ms, live ${b.detectMs} ms`);
    }
  });
  return problems;
}

/** Every disagreement between the two modes' reports, one line each. */
export function parityProblems(sim: JsonReport, live: JsonReport): string[] {
  return [
    ...ledgerProblems(sim, live),
    ...throttleProblems(sim, live),
    ...routeProblems(sim, live),
    ...reactionProblems(sim, live),
    ...faultProblems(sim, live),
  ];
}
