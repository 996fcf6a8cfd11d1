import { Chalk } from "chalk";
import Table from "cli-table3";
import type { Comparison, Delta, FindingPair } from "./compare.js";
import { findingVerdict, formatFindingValue } from "./findings-format.js";

/** How each figure reads: its label, its unit, and whether lower is better. */
const FIGURES: Record<
  string,
  { label: string; unit: "n" | "ms" | "rate" | "usd" | "x"; lowerIsBetter?: boolean }
> = {
  requests: { label: "requests", unit: "n" },
  okRate: { label: "ok rate", unit: "rate" },
  latencyP50: { label: "latency p50", unit: "ms", lowerIsBetter: true },
  latencyP95: { label: "latency p95", unit: "ms", lowerIsBetter: true },
  latencyP99: { label: "latency p99", unit: "ms", lowerIsBetter: true },
  ttftP95: { label: "TTFT p95", unit: "ms", lowerIsBetter: true },
  queueAgeP95: { label: "queue age p95", unit: "ms", lowerIsBetter: true },
  attemptsPerRequest: { label: "attempts/request", unit: "x", lowerIsBetter: true },
  attempts: { label: "attempts", unit: "n" },
  throttled: { label: "429s", unit: "n", lowerIsBetter: true },
  errors: { label: "errors", unit: "n", lowerIsBetter: true },
  share: { label: "served share", unit: "rate" },
  spendUsd: { label: "spend", unit: "usd", lowerIsBetter: true },
  wastedSpendUsd: { label: "wasted spend", unit: "usd", lowerIsBetter: true },
  retries: { label: "router retries", unit: "n", lowerIsBetter: true },
  generated: { label: "generated", unit: "n" },
  ok: { label: "ok", unit: "n" },
  failed: { label: "failed", unit: "n", lowerIsBetter: true },
  shed: { label: "shed", unit: "n", lowerIsBetter: true },
  deadline: { label: "deadline", unit: "n", lowerIsBetter: true },
};

function format(value: number | null, unit: string, signed = false): string {
  if (value === null) return "-";
  const sign = signed && value > 0 ? "+" : "";
  switch (unit) {
    case "ms":
      return `${sign}${Math.round(value).toLocaleString("en-US")}ms`;
    case "rate":
      return `${sign}${(value * 100).toFixed(1)}${signed ? " pts" : "%"}`;
    case "usd":
      return `${sign}$${value.toFixed(4)}`;
    case "x":
      return `${sign}${value.toFixed(2)}`;
    default:
      return `${sign}${Math.round(value).toLocaleString("en-US")}`;
  }
}

interface Row {
  group: string;
  figure: string;
  d: Delta;
}

function rows(c: Comparison): Row[] {
  const out: Row[] = [];
  const add = (group: string, figures: Record<string, Delta>) => {
    for (const [figure, d] of Object.entries(figures)) out.push({ group, figure, d });
  };
  for (const [lane, figures] of Object.entries(c.lanes)) add(`lane ${lane}`, figures);
  for (const [route, figures] of Object.entries(c.routes)) add(`route ${route}`, figures);
  add("totals", c.totals);
  add("ledger", c.ledger);
  return out;
}

/** The comparison's figures as plain cells: group, figure, a, b, b − a. */
export function comparisonCells(c: Comparison): string[][] {
  return rows(c).map(({ group, figure, d }) => {
    const f = FIGURES[figure] ?? { label: figure, unit: "n" };
    return [
      group,
      f.label,
      format(d.a, f.unit),
      format(d.b, f.unit),
      format(d.delta, f.unit, true),
    ];
  });
}

/** One side of a finding: "FAIL 37", "ok 1.05×", "n/a" (nothing to judge), "-" (absent). */
function findingSide(pair: FindingPair, side: FindingPair["a"]): string {
  if (side === null) return "-";
  const verdict = findingVerdict(side);
  if (verdict === "none") return "n/a";
  return `${verdict === "fail" ? "FAIL" : "ok"} ${formatFindingValue({ id: pair.id, value: side.value })}`;
}

/** The findings of both runs as plain cells: rule and id, a, b, flip. */
export function findingCells(c: Comparison): string[][] {
  return c.findings.map((f) => [
    `${f.rule} ${f.id}`,
    findingSide(f, f.a),
    findingSide(f, f.b),
    f.flip ?? "",
  ]);
}

export function describeSide(side: Comparison["a"]): string {
  const rules = side.gateway
    ? `gateway ${side.gateway}`
    : side.rulesOff.length === 0
      ? "playbook"
      : side.rulesOff.length >= 19
        ? "naive"
        : `rules off: ${side.rulesOff.join(" ")}`;
  return `${side.scenario} · ${side.mode} · seed ${side.seed} · ${rules}`;
}

/** Both runs side by side in the terminal, deltas coloured by whether b did better. */
export function renderComparisonTerminal(c: Comparison, color: boolean): string {
  const ch = new Chalk({ level: color ? 1 : 0 });
  const table = new Table({
    head: ["", "figure", "a", "b", "b − a"],
    style: { head: color ? ["cyan"] : [], border: [] },
  });
  let group = "";
  for (const { group: g, figure, d } of rows(c)) {
    const f = FIGURES[figure] ?? { label: figure, unit: "n" };
    const better =
      d.delta === null || d.delta === 0 ? undefined : d.delta < 0 === Boolean(f.lowerIsBetter);
    const shown = format(d.delta, f.unit, true);
    table.push([
      g === group ? "" : g,
      f.label,
      format(d.a, f.unit),
      format(d.b, f.unit),
      better === undefined || f.lowerIsBetter === undefined
        ? shown
        : better
          ? ch.green(shown)
          : ch.red(shown),
    ]);
    group = g;
  }
  const out = [
    `${ch.bold("a")}  ${describeSide(c.a)}`,
    `${ch.bold("b")}  ${describeSide(c.b)}`,
    c.sameStorm
      ? ""
      : ch.yellow("the two runs did not face the same storm (scenario, mode or seed differ)"),
    table.toString(),
  ];
  if (c.thresholds.length > 0) {
    out.push("", ch.bold("Thresholds"));
    for (const t of c.thresholds) {
      const mark = (ok: boolean | null) => (ok === null ? "-" : ok ? "pass" : "FAIL");
      const flip =
        t.flip === "broke"
          ? ch.red("  broke in b")
          : t.flip === "fixed"
            ? ch.green("  fixed in b")
            : "";
      out.push(`  ${t.expr}  a ${mark(t.a)} · b ${mark(t.b)}${flip}`);
    }
  }
  if (c.findings.length > 0) {
    const findings = new Table({
      head: ["finding", "a", "b", ""],
      style: { head: color ? ["cyan"] : [], border: [] },
    });
    for (const [name, a, b, flip] of findingCells(c)) {
      const paint = (text: string) =>
        text.startsWith("FAIL") ? ch.red(text) : text.startsWith("ok") ? ch.green(text) : text;
      findings.push([
        name!,
        paint(a!),
        paint(b!),
        flip === "broke" ? ch.red("broke in b") : flip === "fixed" ? ch.green("fixed in b") : "",
      ]);
    }
    out.push("", ch.bold("Findings") + ch.dim("  (by playbook rule)"), findings.toString());
  }
  return `${out.filter((line) => line !== "").join("\n")}\n`;
}

/** The comparison as Markdown, for a pull-request comment. */
export function renderComparisonMarkdown(c: Comparison): string {
  const cell = (v: string) => v.replace(/\|/g, "\\|");
  const lines = [
    "## gw-chaos compare",
    "",
    `- **a**: ${describeSide(c.a)}`,
    `- **b**: ${describeSide(c.b)}`,
    ...(c.sameStorm ? [] : ["- the two runs did not face the same storm"]),
    "",
    "| | figure | a | b | b − a |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const cells of comparisonCells(c)) lines.push(`| ${cells.map(cell).join(" | ")} |`);
  if (c.thresholds.length > 0) {
    lines.push("", "| threshold | a | b | flip |", "| --- | --- | --- | --- |");
    for (const t of c.thresholds) {
      const mark = (ok: boolean | null) => (ok === null ? "-" : ok ? "pass" : "**FAIL**");
      lines.push(`| \`${t.expr}\` | ${mark(t.a)} | ${mark(t.b)} | ${t.flip ?? ""} |`);
    }
  }
  if (c.findings.length > 0) {
    lines.push("", "| finding | a | b | flip |", "| --- | --- | --- | --- |");
    const bold = (v: string) => (v.startsWith("FAIL") ? `**${v}**` : v);
    for (const [name, a, b, flip] of findingCells(c))
      lines.push(`| ${cell(name!)} | ${bold(cell(a!))} | ${bold(cell(b!))} | ${flip} |`);
  }
  return `${lines.join("\n")}\n`;
}
