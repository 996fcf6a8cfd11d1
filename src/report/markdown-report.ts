import { findingsInOrder, findingVerdict, formatFindingValue } from "./findings-format.js";
import type { JsonReport } from "./json-report.js";
import { nodeShares, storeOutages, storeSummary } from "./store-format.js";

type Cell = string | number | null;
const cell = (value: Cell) => (value === null ? "-" : String(value).replace(/\|/g, "\\|"));
const row = (cells: Cell[]) => `| ${cells.map(cell).join(" | ")} |`;
const table = (head: string[], rows: Cell[][]) =>
  [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");

/** The report as Markdown, for a pull-request comment: the same numbers as the JSON. */
export function renderMarkdownReport(report: JsonReport): string {
  const out: string[] = [
    `## gw-chaos: ${report.scenario}`,
    "",
    `${report.description.split("\n")[0]}`,
    "",
    `Mode ${report.mode}, seed ${report.seed}${report.mode === "live" ? `, speed ${report.speed}x` : ""}, ` +
      `${report.durationMs / 1000} s of scenario time${report.partial ? " (partial: the run was stopped)" : ""}.`,
    "",
    "### Lanes",
    "",
    table(
      [
        "lane",
        "requests",
        "ok",
        "latency p50 ms",
        "p95 ms",
        "p99 ms",
        "TTFT p95 ms",
        "queue age p95 ms",
        "attempts per request",
      ],
      Object.entries(report.lanes).map(([name, l]) => [
        name,
        l.requests,
        l.ok,
        l.latencyMs.p50,
        l.latencyMs.p95,
        l.latencyMs.p99,
        l.ttftMs.p95,
        l.queueAgeMs.p95,
        l.attemptsPerRequest,
      ]),
    ),
    "",
    "### Routes",
    "",
    table(
      [
        "route",
        "attempts",
        "200",
        "429",
        "errors",
        "served share",
        "prompt tokens",
        "completion tokens",
        "spend USD",
        "wasted USD",
      ],
      report.routes.map((r) => [
        `${r.vendor}/${r.model}`,
        r.attempts,
        r.status["200"] ?? 0,
        r.status["429"] ?? 0,
        Object.entries(r.errors)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || "-",
        r.share,
        r.tokens.prompt,
        r.tokens.completion,
        r.spendUsd,
        r.wastedSpendUsd,
      ]),
    ),
    "",
  ];
  const tenants = Object.entries(report.tenants);
  if (tenants.length > 1) {
    out.push(
      "### Tenants",
      "",
      table(
        ["tenant", "requests", "ok", "latency p50 ms", "p95 ms", "spend USD", "wasted USD"],
        tenants.map(([name, t]) => [
          name,
          t.requests,
          t.ok,
          t.latencyMs.p50,
          t.latencyMs.p95,
          t.spendUsd,
          t.wastedSpendUsd,
        ]),
      ),
      "",
    );
  }
  if (report.faults.length > 0) {
    out.push(
      "### Faults (failover timing from onset, ms)",
      "",
      table(
        ["fault", "start", "end", "detect", "stop sends", "reroute", "recovery", "wasted attempts"],
        report.faults.map((f) => [
          `${f.kind} ${f.vendor}${f.model ? `/${f.model}` : ""}`,
          f.startMs,
          f.endMs,
          f.detectMs,
          f.stopSendsMs,
          f.rerouteMs,
          f.recoveryMs,
          f.wastedAttempts,
        ]),
      ),
      "",
    );
  }
  if (report.findings.length > 0) {
    const verdict = { fail: "**FAIL**", ok: "ok", none: "n/a" } as const;
    out.push(
      "### Findings (verdicts on the router or gateway, by playbook rule)",
      "",
      table(
        ["result", "rule", "finding", "value", "summary"],
        findingsInOrder(report.findings).map((f) => [
          verdict[findingVerdict(f)],
          f.rule,
          `\`${f.id}\``,
          formatFindingValue(f),
          f.summary,
        ]),
      ),
      "",
    );
  }
  if (report.thresholds.length > 0) {
    out.push(
      "### Thresholds",
      "",
      table(
        ["threshold", "value", "result"],
        report.thresholds.map((t) => [
          `\`${t.expr}\``,
          t.value ?? "none",
          t.ok ? "pass" : "**FAIL**",
        ]),
      ),
      "",
    );
  }
  const r = report.router;
  const opened = Object.entries(r.openings).filter(([, times]) => times > 0);
  if (report.gateway)
    out.push(
      "### Gateway under test",
      "",
      `${report.gateway.kind} at ${report.gateway.url}: the harness sent each request to it; ` +
        "the routes table shows its attempts as the mock vendors saw them.",
      "",
    );
  else
    out.push(
      "### Router",
      "",
      `rules off: ${r.rulesOff.length === 0 ? "none" : r.rulesOff.join(", ")} · retries ${r.retries} ` +
        `(denied by budget ${r.retriesDenied}) · probes ${r.probes} · in-flight calls cut ${r.abandoned} · ` +
        `opened: ${opened.length === 0 ? "none" : opened.map(([route, times]) => `${route} x${times}`).join(", ")}`,
      "",
    );
  if (report.store) {
    const outage = storeOutages(report.store);
    out.push(
      "### Router nodes",
      "",
      `${storeSummary(report.store)}.`,
      "",
      `${nodeShares(report.store)}.`,
      "",
      ...(outage ? [`**${outage}.**`, ""] : []),
    );
  }
  const l = report.ledger;
  const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  out.push(
    "### Ledger",
    "",
    `generated ${l.generated} = ok ${l.ok} + failed ${total(l.failed)} + shed ${total(l.shed)} + deadline ${l.deadline}: ` +
      (l.balanced ? "balanced" : "**NOT balanced**"),
    "",
  );
  return out.join("\n");
}
