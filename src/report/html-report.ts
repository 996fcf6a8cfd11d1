import { findingsInOrder, findingVerdict, formatFindingValue } from "./findings-format.js";
import type { JsonReport } from "./json-report.js";
import { storeOutages, storeSummary } from "./store-format.js";
import { bucketize, type ChartSeries, lineChart, PALETTE } from "./svg-chart.js";
import { escapeHtml } from "./html-escape.js";

/** Every line of a chart bucketized. */
const smooth = (series: ChartSeries[]): ChartSeries[] =>
  series.map((s) => (s.dashed ? s : { ...s, points: bucketize(s.points) }));

const esc = escapeHtml;
const n = (v: number) => v.toLocaleString("en-US");
const ms = (v: number | null) => (v === null ? "-" : `${n(Math.round(v))} ms`);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const usd = (v: number) => `$${v.toFixed(4)}`;

function table(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`)
    .join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** One row per finding, failed first; the verdict cell coloured like the page's verdict. */
function findingsTable(report: JsonReport): string {
  const label = { fail: "FAIL", ok: "ok", none: "n/a" } as const;
  const rows = findingsInOrder(report.findings).map((f) => {
    const verdict = findingVerdict(f);
    const cls = verdict === "none" ? "" : ` class="${verdict === "fail" ? "fail" : "pass"}"`;
    return (
      `<tr data-finding="${esc(f.id)}"><td${cls}>${label[verdict]}</td><td>${esc(f.rule)}</td>` +
      `<td>${esc(f.id)}</td><td>${esc(formatFindingValue(f))}</td><td>${esc(f.summary)}</td></tr>`
    );
  });
  const th = ["verdict", "rule", "finding", "value", "summary"]
    .map((h) => `<th>${h}</th>`)
    .join("");
  return `<table class="findings"><thead><tr>${th}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1540px; color: #111827; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #4b5563; margin-bottom: 12px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 600; }
.pass { background: #dcfce7; color: #166534; } .fail { background: #fee2e2; color: #991b1b; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(620px, 1fr)); gap: 12px; }
.charts svg { width: 100%; height: auto; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; }
.chart-title { font-size: 14px; font-weight: 600; fill: #111827; }
.tick { font-size: 11px; fill: #4b5563; } .axis-label { font-size: 11px; fill: #374151; }
.legend { font-size: 11px; fill: #111827; }
.grid { stroke: #f3f4f6; } .axis { stroke: #9ca3af; }
.series { fill: none; stroke-width: 1.8; }
.fault { fill: #fecaca; opacity: 0.45; } .mark { stroke: #991b1b; stroke-width: 2; }
table { border-collapse: collapse; margin: 4px 0 8px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #e5e7eb; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f9fafb; }
.note { color: #4b5563; font-size: 12px; }
.findings td, .findings th { text-align: left; }
`;

/**
 * The report as one self-contained HTML page: charts over time as inline SVG (no
 * script, no network; it opens from file://), with each fault window shaded and the
 * router's reactions marked, then the tables of the terminal report.
 */
export function renderHtmlReport(report: JsonReport): string {
  const series = report.series;
  const xMax = Math.max(report.durationMs, report.endedMs) / 1000;
  const faults = report.faults.map((f) => ({
    from: f.startMs / 1000,
    to: (f.endMs ?? report.endedMs) / 1000,
    label: `${f.kind} ${f.vendor}${f.model ? `/${f.model}` : ""}`,
  }));
  // One mark per route and second: a storm of reactions stays readable.
  const seen = new Set<string>();
  const marks: { t: number; label: string }[] = [];
  for (const e of report.router.events) {
    if (e.kind !== "cooling" && e.kind !== "open" && e.kind !== "slow") continue;
    const key = `${e.route}@${Math.floor(e.t / 1000)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    marks.push({ t: e.t / 1000, label: `${e.route}: ${e.kind} at ${(e.t / 1000).toFixed(1)} s` });
  }
  const context = { xMax, faults, marks };
  const routes = report.routes.map((r) => `${r.vendor}/${r.model}`);
  const lanes = Object.keys(report.lanes);
  const perRoute = (pick: (row: (typeof series)[number], route: string) => number | null) =>
    routes.map(
      (route): ChartSeries => ({
        name: route,
        points: series.map((row) => [row.t, pick(row, route)]),
      }),
    );

  // Spend over time: each route's tokens each second at the route's average price.
  const spendSeries = report.routes.map((r, i): ChartSeries => {
    const route = routes[i]!;
    const tokens = r.tokens.prompt + r.tokens.completion;
    const perToken = tokens === 0 ? 0 : r.spendUsd / tokens;
    let total = 0;
    return {
      name: route,
      points: series.map((row) => {
        total += (row.routes[route]?.tokens ?? 0) * perToken;
        return [row.t, total];
      }),
    };
  });
  // Token burn per minute beside each route's stated limit (dashed).
  const burn: ChartSeries[] = [];
  routes.forEach((route) => {
    burn.push({
      name: route,
      points: series.map((row) => [row.t, (row.routes[route]?.tokens ?? 0) * 60]),
    });
  });
  const limits: ChartSeries[] = report.routes.map((r, i) => ({
    name: `${routes[i]} limit`,
    dashed: true,
    unlisted: true,
    color: PALETTE[i % PALETTE.length]!,
    points: [
      [0, r.limits.tpm],
      [xMax, r.limits.tpm],
    ],
  }));

  const charts = [
    lineChart({
      id: "share",
      title: "Traffic share per route (answered requests)",
      yLabel: "share",
      series: smooth(perRoute((row, route) => row.routes[route]?.share ?? 0)),
      yMin: 1,
      format: (v) => `${Math.round(v * 100)}%`,
      ...context,
    }),
    lineChart({
      id: "latency",
      title: "Latency per lane, p50 and p95 (from the intended start)",
      yLabel: "ms",
      series: smooth(
        lanes.flatMap((lane): ChartSeries[] => [
          {
            name: `${lane} p50`,
            points: series.map((row) => [row.t, row.lanes[lane]?.p50 ?? null]),
          },
          {
            name: `${lane} p95`,
            points: series.map((row) => [row.t, row.lanes[lane]?.p95 ?? null]),
          },
        ]),
      ),
      ...context,
    }),
    lineChart({
      id: "queue",
      title: "Queue depth per lane (requests waiting at each second's end)",
      yLabel: "requests",
      series: smooth(
        lanes.map((lane) => ({
          name: lane,
          points: series.map((row): [number, number] => [row.t, row.lanes[lane]?.queue ?? 0]),
        })),
      ),
      ...context,
    }),
    lineChart({
      id: "queue-age",
      title: "Queue age per lane, p95 of the requests first sent each second",
      yLabel: "ms",
      series: smooth(
        lanes.map((lane) => ({
          name: lane,
          points: series.map((row): [number, number | null] => [
            row.t,
            row.lanes[lane]?.queueAgeP95 ?? null,
          ]),
        })),
      ),
      ...context,
    }),
    lineChart({
      id: "throttled",
      title: "429s (solid) and other errors (dashed) per route per second",
      yLabel: "per second",
      series: [
        ...smooth(perRoute((row, route) => row.routes[route]?.throttled ?? 0)),
        ...smooth(perRoute((row, route) => row.routes[route]?.errors ?? 0)).map((s, i) => ({
          ...s,
          name: `${s.name} errors`,
          dashed: true,
          unlisted: true,
          color: PALETTE[i % PALETTE.length]!,
        })),
      ],
      ...context,
    }),
    lineChart({
      id: "tokens",
      title: "Token burn per route against its stated limit (dashed)",
      yLabel: "tokens / minute",
      series: [...smooth(burn), ...limits],
      ...context,
    }),
    lineChart({
      id: "spend",
      title: "Spend over time, per route",
      yLabel: "USD",
      series: spendSeries,
      format: (v) => `$${v < 1 ? v.toFixed(2) : v.toFixed(1)}`,
      ...context,
    }),
  ];

  const allHeld = report.thresholds.every((t) => t.ok);
  const verdict =
    report.thresholds.length === 0
      ? ""
      : `<span class="verdict ${allHeld ? "pass" : "fail"}">${allHeld ? "every threshold held" : "a threshold failed"}</span>`;
  const findingsFailed = report.findings.filter((f) => findingVerdict(f) === "fail").length;
  const findingsVerdict =
    findingsFailed === 0
      ? ""
      : ` <span class="verdict fail">${findingsFailed} finding${findingsFailed === 1 ? "" : "s"} failed</span>`;
  const l = report.ledger;
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const sections = [
    `<h1>gw-chaos: ${esc(report.scenario)}</h1>`,
    `<div class="meta">${esc(report.description)}<br>mode ${esc(report.mode)} · seed ${report.seed}` +
      (report.mode === "live" ? ` · speed ${report.speed}x` : "") +
      (report.gateway
        ? ` · gateway under test: ${esc(report.gateway.kind)} at ${esc(report.gateway.url)}`
        : "") +
      (report.store ? `<br>${esc(storeSummary(report.store))}` : "") +
      (report.store && storeOutages(report.store)
        ? ` · <span class="verdict fail">${esc(storeOutages(report.store)!)}</span>`
        : "") +
      ` · ${n(report.durationMs / 1000)} s of scenario time${report.partial ? " · partial: the run was stopped" : ""} · ${verdict}${findingsVerdict}</div>`,
    `<p class="note">Shaded: fault windows. Red ticks at the top: the router's reactions (cooling, open, slow).</p>`,
    `<div class="charts">${charts.join("")}</div>`,
    "<h2>Lanes</h2>",
    table(
      [
        "lane",
        "requests",
        "ok",
        "latency p50",
        "p95",
        "p99",
        "TTFT p95",
        "queue age p95",
        "attempts/request",
      ],
      Object.entries(report.lanes).map(([name, x]) => [
        name,
        n(x.requests),
        x.requests ? `${n(x.ok)} (${pct(x.ok / x.requests)})` : "0",
        ms(x.latencyMs.p50),
        ms(x.latencyMs.p95),
        ms(x.latencyMs.p99),
        ms(x.ttftMs.p95),
        ms(x.queueAgeMs.p95),
        x.attemptsPerRequest === null ? "-" : x.attemptsPerRequest.toFixed(2),
      ]),
    ),
    "<h2>Routes</h2>",
    table(
      [
        "route",
        "attempts",
        "200",
        "429",
        "errors",
        "served share",
        "tokens in / out",
        "spend",
        "wasted",
        "limit rpm",
      ],
      report.routes.map((r, i) => [
        routes[i]!,
        n(r.attempts),
        n(r.status["200"] ?? 0),
        n(r.status["429"] ?? 0),
        Object.entries(r.errors)
          .map(([k, v]) => `${k} ${n(v)}`)
          .join(", ") || "-",
        pct(r.share),
        `${n(r.tokens.prompt)} / ${n(r.tokens.completion)}`,
        usd(r.spendUsd),
        usd(r.wastedSpendUsd),
        n(r.limits.rpm),
      ]),
    ),
  ];
  const tenants = Object.entries(report.tenants);
  if (tenants.length > 1) {
    sections.push(
      "<h2>Tenants</h2>",
      table(
        ["tenant", "requests", "ok", "latency p50", "p95", "spend"],
        tenants.map(([name, t]) => [
          name,
          n(t.requests),
          t.requests ? `${n(t.ok)} (${pct(t.ok / t.requests)})` : "0",
          ms(t.latencyMs.p50),
          ms(t.latencyMs.p95),
          usd(t.spendUsd),
        ]),
      ),
    );
  }
  if (report.faults.length > 0) {
    sections.push(
      "<h2>Faults: failover timing from each fault's onset</h2>",
      table(
        ["fault", "window", "detect", "stop sends", "reroute", "recovery", "wasted attempts"],
        report.faults.map((f, i) => [
          faults[i]!.label,
          `${n(f.startMs / 1000)} s – ${f.endMs === null ? "end" : `${n(f.endMs / 1000)} s`}`,
          ms(f.detectMs),
          ms(f.stopSendsMs),
          ms(f.rerouteMs),
          ms(f.recoveryMs),
          f.wastedAttempts === null ? "-" : n(f.wastedAttempts),
        ]),
      ),
    );
  }
  if (report.findings.length > 0) {
    sections.push(
      "<h2>Findings: verdicts on the router or gateway, by playbook rule</h2>",
      findingsTable(report),
    );
  }
  if (report.thresholds.length > 0) {
    sections.push(
      "<h2>Thresholds</h2>",
      table(
        ["threshold", "value", "verdict"],
        report.thresholds.map((t) => [t.expr, t.value ?? "none", t.ok ? "pass" : "FAIL"]),
      ),
    );
  }
  sections.push(
    "<h2>Ledger</h2>",
    `<p>generated ${n(l.generated)} = ok ${n(l.ok)} + failed ${n(sum(l.failed))} + shed ${n(sum(l.shed))} + deadline ${n(l.deadline)}: ${l.balanced ? "balanced" : "<strong>NOT balanced</strong>"}</p>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>gw-chaos: ${esc(report.scenario)}</title><style>${STYLE}</style></head>
<body>${sections.join("\n")}</body></html>
`;
}
