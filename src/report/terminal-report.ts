import { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";
import { RULE_IDS } from "../router/types.js";
import { formatDuration } from "../scenario/duration.js";
import { findingsInOrder, findingVerdict, formatFindingValue } from "./findings-format.js";
import type { BurnReport, JsonReport } from "./json-report.js";
import { nodeShares, storeOutages, storeSummary } from "./store-format.js";

export interface TerminalOptions {
  color: boolean;
  /** Rows of the timeline table: one per this many seconds. */
  timelineStepS?: number;
}

const n = (value: number) => value.toLocaleString("en-US");
const ms = (value: number | null) =>
  value === null
    ? "-"
    : value >= 10_000
      ? `${(value / 1000).toFixed(1)}s`
      : `${Math.round(value)}ms`;
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

/** The end-of-run report for people: tables per lane, per route, over time; thresholds; ledger. */
export function renderTerminalReport(report: JsonReport, options: TerminalOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const table = (head: string[]) =>
    new Table({ head, style: { head: options.color ? ["cyan"] : [], border: [] } });
  const out: string[] = [];

  out.push(
    `${c.bold(report.scenario)} ${c.dim(`— ${report.description.split("\n")[0]}`)}`,
    c.dim(
      `mode ${report.mode} · seed ${report.seed} · ` +
        (report.mode === "live" ? `speed ${report.speed}x · ` : "") +
        `${formatDuration(report.durationMs)} of scenario time` +
        (report.partial
          ? ` · ${c.yellow("partial: stopped at")} ${formatDuration(report.endedMs)}`
          : ""),
    ),
    "",
  );

  const lanes = table([
    "lane",
    "requests",
    "ok",
    "latency p50",
    "p95",
    "p99",
    "TTFT p95",
    "queue age p95",
    "attempts/req",
  ]);
  for (const [name, lane] of Object.entries(report.lanes)) {
    lanes.push([
      name,
      n(lane.requests),
      lane.requests ? `${n(lane.ok)} (${pct(lane.ok / lane.requests)})` : "0",
      ms(lane.latencyMs.p50),
      ms(lane.latencyMs.p95),
      ms(lane.latencyMs.p99),
      ms(lane.ttftMs.p95),
      ms(lane.queueAgeMs.p95),
      lane.attemptsPerRequest === null ? "-" : lane.attemptsPerRequest.toFixed(2),
    ]);
  }
  out.push(
    c.bold("Lanes") + c.dim("  (latency from each request's intended start)"),
    lanes.toString(),
    "",
  );

  const routes = table([
    "route",
    "attempts",
    "200",
    "429",
    "other errors",
    "served",
    "tokens in/out",
    "spend",
    "limit rpm",
  ]);
  for (const r of report.routes) {
    const throttled = r.status["429"] ?? 0;
    const other = Object.entries(r.errors)
      .filter(([k]) => k !== "throttled")
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(", ");
    routes.push([
      `${r.vendor}/${r.model}`,
      n(r.attempts),
      n(r.status["200"] ?? 0),
      throttled ? c.red(n(throttled)) : "0",
      other || "-",
      pct(r.share),
      `${compact(r.tokens.prompt)} / ${compact(r.tokens.completion)}`,
      spend(r, c),
      n(r.limits.rpm),
    ]);
  }
  out.push(c.bold("Routes"), routes.toString(), "");

  const tenantNames = Object.keys(report.tenants);
  if (tenantNames.length > 1) {
    const tenants = table([
      "tenant",
      "requests",
      "ok",
      "latency p50",
      "p95",
      "tokens in/out",
      "spend",
    ]);
    for (const name of tenantNames) {
      const t = report.tenants[name]!;
      tenants.push([
        name,
        n(t.requests),
        t.requests ? `${n(t.ok)} (${pct(t.ok / t.requests)})` : "0",
        ms(t.latencyMs.p50),
        ms(t.latencyMs.p95),
        `${compact(t.tokens.prompt)} / ${compact(t.tokens.completion)}`,
        spend(t, c),
      ]);
    }
    out.push(c.bold("Tenants"), tenants.toString(), "");
  }

  if (report.faults.length > 0) {
    const faults = table([
      "fault",
      "window",
      "detect",
      "stop sends",
      "reroute",
      "recovery",
      "wasted attempts",
    ]);
    for (const f of report.faults) {
      faults.push([
        `${f.kind} ${f.vendor}${f.model ? `/${f.model}` : ""}`,
        `${formatDuration(f.startMs)}–${f.endMs === null ? "end" : formatDuration(f.endMs)}`,
        ms(f.detectMs),
        ms(f.stopSendsMs),
        ms(f.rerouteMs),
        ms(f.recoveryMs),
        f.wastedAttempts === null ? "-" : n(f.wastedAttempts),
      ]);
    }
    out.push(
      c.bold("Faults") +
        c.dim("  (failover timing from each fault's onset; - where it never happened)"),
      faults.toString(),
      "",
    );
  }

  out.push(
    c.bold("Over time") + c.dim("  (sends per route, 429s in brackets)"),
    timeline(report, options, c),
    "",
  );

  if (report.findings.length > 0) {
    out.push(
      c.bold("Findings") + c.dim("  (verdicts on the router or gateway, by playbook rule)"),
      findingsTable(report, options, c),
      "",
    );
  }

  if (report.thresholds.length > 0) {
    out.push(c.bold("Thresholds"));
    for (const t of report.thresholds) {
      const mark = t.ok ? c.green("✔ pass") : c.red("✘ FAIL");
      out.push(
        `  ${mark}  ${t.expr}  ${c.dim(`(value ${t.value === null ? "none" : round(t.value)})`)}`,
      );
    }
    out.push("");
  }

  out.push(routerLine(report, c), "");

  const l = report.ledger;
  const parts = [`ok ${n(l.ok)}`];
  for (const [reason, count] of Object.entries(l.failed))
    parts.push(`failed/${reason} ${n(count)}`);
  for (const [reason, count] of Object.entries(l.shed)) parts.push(`shed/${reason} ${n(count)}`);
  if (l.deadline) parts.push(`deadline ${n(l.deadline)}`);
  out.push(
    `${c.bold("Ledger")}  generated ${n(l.generated)} = ${parts.join(" + ")}  ` +
      (l.balanced ? c.green("✔ balanced") : c.red("✘ NOT BALANCED (a harness bug)")),
  );
  if (!report.harness.trusted) {
    out.push(
      c.yellow(
        "Harness overloaded: event-loop delay or send lag distorted these figures (harness.trusted=false).",
      ),
    );
  }
  return `${out.join("\n")}\n`;
}

/** Per-step rows: arrivals per lane (req/s), worst second's p95 per lane, sends per route. */
function timeline(
  report: JsonReport,
  options: TerminalOptions,
  c: InstanceType<typeof Chalk>,
): string {
  const stepS = options.timelineStepS ?? (report.durationMs > 20 * 60_000 ? 300 : 60);
  const laneNames = Object.keys(report.lanes);
  const routeIds = report.routes.map((r) => `${r.vendor}/${r.model}`);
  const head = [
    "time",
    ...laneNames.map((l) => `${l} req/s`),
    ...laneNames.slice(0, 1).map((l) => `${l} p95`),
    ...report.routes.map((r) => r.vendor),
  ];
  const t = new Table({ head, style: { head: options.color ? ["cyan"] : [], border: [] } });
  for (let start = 0; start * 1000 < report.endedMs; start += stepS) {
    const rows = report.series.filter((row) => row.t > start && row.t <= start + stepS);
    if (rows.length === 0) continue;
    const cells = [formatDuration(start * 1000)];
    for (const lane of laneNames) {
      const arrivals = rows.reduce((sum, row) => sum + (row.lanes[lane]?.arrivals ?? 0), 0);
      cells.push((arrivals / rows.length).toFixed(1));
    }
    for (const lane of laneNames.slice(0, 1)) {
      const p95s = rows
        .map((row) => row.lanes[lane]?.p95)
        .filter((v): v is number => typeof v === "number");
      cells.push(ms(p95s.length ? Math.max(...p95s) : null));
    }
    for (const id of routeIds) {
      const sends = rows.reduce((sum, row) => sum + (row.routes[id]?.sends ?? 0), 0);
      const throttled = rows.reduce((sum, row) => sum + (row.routes[id]?.throttled ?? 0), 0);
      cells.push(throttled ? `${n(sends)} ${c.red(`(${n(throttled)})`)}` : n(sends));
    }
    t.push(cells);
  }
  return t.toString();
}

/** Summaries wrap at this width, so a row fits a 120-column terminal. */
const SUMMARY_WIDTH = 72;

/** One row per finding, failed first; the mark in words when there is no colour. */
function findingsTable(report: JsonReport, options: TerminalOptions, c: ChalkInstance): string {
  const t = new Table({
    head: ["", "rule", "finding", "value", "summary"],
    style: { head: options.color ? ["cyan"] : [], border: [] },
    colWidths: [null, null, null, null, SUMMARY_WIDTH],
    wordWrap: true,
  });
  for (const f of findingsInOrder(report.findings)) {
    const verdict = findingVerdict(f);
    const mark = options.color
      ? verdict === "fail"
        ? c.red("✘")
        : verdict === "ok"
          ? c.green("✔")
          : c.dim("–")
      : verdict === "fail"
        ? "FAIL"
        : verdict === "ok"
          ? "ok"
          : "n/a";
    t.push([mark, f.rule, f.id, formatFindingValue(f), f.summary]);
  }
  return t.toString();
}

function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(0)}k`;
  return String(value);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Spend, with what of it served nobody (retried, cut, errored) when there was any. */
function spend(b: BurnReport, c: ChalkInstance): string {
  const total = `$${b.spendUsd.toFixed(2)}`;
  return b.wastedSpendUsd >= 0.005
    ? `${total} ${c.yellow(`(wasted $${b.wastedSpendUsd.toFixed(2)})`)}`
    : total;
}

/** One line on what the router did: the rules it ran with, retries, probes, openings. */
function routerLine(report: JsonReport, c: ChalkInstance): string {
  // With a gateway under test, the harness only sent; there was no router of ours.
  if (report.gateway)
    return (
      `${c.bold("Gateway under test")}  ${report.gateway.kind} at ${report.gateway.url} · ` +
      `${n(report.gateway.attemptsLogged)} of its attempts reached the mock vendors (in the routes table)` +
      (report.gateway.attemptsDropped > 0
        ? c.yellow(
            ` · ${n(report.gateway.attemptsDropped)} more not kept: the vendors' side is judged on the rest`,
          )
        : "")
    );
  const r = report.router;
  const rules =
    r.rulesOff.length === 0
      ? "every playbook rule on"
      : r.rulesOff.length >= RULE_IDS.length
        ? c.yellow("naive (every playbook rule off)")
        : c.yellow(`rules off: ${r.rulesOff.join(" ")}`);
  const opened = Object.entries(r.openings)
    .filter(([, times]) => times > 0)
    .map(([route, times]) => `${route} x${times}`);
  const parts = [
    rules,
    `retries ${n(r.retries)}` +
      (r.retriesDenied ? ` (${n(r.retriesDenied)} denied by budget)` : ""),
    `probes ${n(r.probes)}`,
    opened.length > 0 ? `opened ${opened.join(", ")}` : "no route opened",
  ];
  if (r.abandoned) parts.push(`in-flight calls cut ${n(r.abandoned)}`);
  const line = `${c.bold("Router")}  ${parts.join(" · ")}`;
  if (!report.store) return line;
  // Several nodes (P20): what they shared, each node's share, and any store outage.
  const outage = storeOutages(report.store);
  return (
    `${line}\n${c.bold("Nodes")}  ${storeSummary(report.store)}\n       ${c.dim(nodeShares(report.store))}` +
    (outage ? `\n       ${c.yellow(outage)}` : "")
  );
}
