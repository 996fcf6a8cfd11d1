import type { Comparison } from "./compare.js";
import { comparisonCells, describeSide, findingCells } from "./compare-render.js";
import { escapeHtml } from "./html-escape.js";
import type { JsonReport } from "./json-report.js";
import { bucketize, type ChartSeries, lineChart, PALETTE } from "./svg-chart.js";

const esc = escapeHtml;

/** The same figure for run a (solid) and run b (dashed), in one colour per lane or route. */
function overlay(
  keys: string[],
  a: JsonReport,
  b: JsonReport,
  pick: (report: JsonReport, row: JsonReport["series"][number], key: string) => number | null,
): ChartSeries[] {
  return keys.flatMap((key, i): ChartSeries[] => {
    const color = PALETTE[i % PALETTE.length]!;
    return [
      {
        name: `a ${key}`,
        color,
        points: bucketize(a.series.map((row) => [row.t, pick(a, row, key)])),
      },
      {
        name: `b ${key}`,
        color,
        dashed: true,
        points: bucketize(b.series.map((row) => [row.t, pick(b, row, key)])),
      },
    ];
  });
}

/**
 * The comparison as one self-contained HTML page: both runs overlaid on the same
 * charts (a solid, b dashed; faults of a shaded), then the comparison's table.
 */
export function renderComparisonHtml(c: Comparison, a: JsonReport, b: JsonReport): string {
  const xMax = Math.max(a.durationMs, a.endedMs, b.durationMs, b.endedMs) / 1000;
  const faults = a.faults.map((f) => ({
    from: f.startMs / 1000,
    to: (f.endMs ?? a.endedMs) / 1000,
    label: `${f.kind} ${f.vendor}`,
  }));
  const context = { xMax, faults, marks: [] };
  const lanes = [...new Set([...Object.keys(a.lanes), ...Object.keys(b.lanes)])];
  const routes = [...new Set([...a.routes, ...b.routes].map((r) => `${r.vendor}/${r.model}`))];
  const charts = [
    lineChart({
      id: "latency",
      title: "Latency p95 per lane: a solid, b dashed",
      yLabel: "ms",
      series: overlay(lanes, a, b, (_r, row, lane) => row.lanes[lane]?.p95 ?? null),
      ...context,
    }),
    lineChart({
      id: "share",
      title: "Traffic share per route: a solid, b dashed",
      yLabel: "share",
      yMin: 1,
      format: (v) => `${Math.round(v * 100)}%`,
      series: overlay(routes, a, b, (_r, row, route) => row.routes[route]?.share ?? 0),
      ...context,
    }),
    lineChart({
      id: "throttled",
      title: "429s per route per second: a solid, b dashed",
      yLabel: "429s / s",
      series: overlay(routes, a, b, (_r, row, route) => row.routes[route]?.throttled ?? 0),
      ...context,
    }),
    lineChart({
      id: "queue",
      title: "Queue depth per lane: a solid, b dashed",
      yLabel: "requests",
      series: overlay(lanes, a, b, (_r, row, lane) => row.lanes[lane]?.queue ?? 0),
      ...context,
    }),
  ];
  const cellRow = (tag: "td" | "th", cells: string[]) =>
    `<tr>${cells.map((cell) => `<${tag}>${esc(cell)}</${tag}>`).join("")}</tr>`;
  const mark = (ok: boolean | null) => (ok === null ? "-" : ok ? "pass" : "FAIL");
  const tables = [
    cellRow("th", ["", "figure", "a", "b", "b − a"]),
    ...comparisonCells(c).map((cells) => cellRow("td", cells)),
    ...(c.thresholds.length > 0
      ? [
          cellRow("th", ["threshold", "a", "b", "flip", ""]),
          ...c.thresholds.map((t) =>
            cellRow("td", [t.expr, mark(t.a), mark(t.b), t.flip ?? "", ""]),
          ),
        ]
      : []),
    ...(c.findings.length > 0
      ? [
          cellRow("th", ["finding", "a", "b", "flip", ""]),
          ...findingCells(c).map(([name, a, b, flip]) => cellRow("td", [name!, a!, b!, flip!, ""])),
        ]
      : []),
  ].join("");
  const side = (label: string, s: Comparison["a"]) =>
    `<li><strong>${label}</strong>: ${esc(describeSide(s))}</li>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gw-chaos compare: ${esc(c.a.scenario)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1540px; padding: 0 16px; color: #111827; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(620px, 1fr)); gap: 12px; }
.charts svg { width: 100%; height: auto; border: 1px solid #e5e7eb; border-radius: 6px; }
.chart-title { font-size: 14px; font-weight: 600; } .tick, .axis-label, .legend { font-size: 11px; fill: #374151; }
.grid { stroke: #f3f4f6; } .axis { stroke: #9ca3af; } .series { fill: none; stroke-width: 1.8; }
.fault { fill: #fecaca; opacity: 0.45; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin-top: 16px; }
th, td { border: 1px solid #e5e7eb; padding: 3px 10px; text-align: right; } th { background: #f9fafb; }
td:first-child, td:nth-child(2), th:first-child { text-align: left; }
</style></head>
<body><h1>gw-chaos compare: ${esc(c.a.scenario)}</h1>
<ul>${side("a", c.a)}${side("b", c.b)}</ul>
${c.sameStorm ? "" : "<p><strong>The two runs did not face the same storm.</strong></p>"}
<div class="charts">${charts.join("")}</div>
<table>${tables}</table>
</body></html>
`;
}
