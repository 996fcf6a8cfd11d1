import { type Finding, findingVerdict, formatFindingValue } from "./findings-format.js";
import type { JsonReport } from "./json-report.js";

const XML_ENTITIES: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
};

/** XML's five predefined entities, which every parser reads back. */
function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => XML_ENTITIES[ch]!);
}

/**
 * One testcase per finding, in a suite of its own: a failed finding is a failure
 * carrying its summary; one with nothing to judge (value null) is skipped, since
 * the run never tested its rule and a pass would say it held; a finding that held
 * passes, its summary in system-out for whoever opens the case.
 */
function findingCase(f: Finding): string {
  const open = `    <testcase classname="gw-chaos.findings" name="${escapeXml(`${f.rule} ${f.id}`)}">`;
  const value = formatFindingValue(f);
  switch (findingVerdict(f)) {
    case "fail":
      return (
        `${open}\n` +
        `      <failure message="${escapeXml(f.summary)}" type="finding">${escapeXml(`value ${value}; rule ${f.rule}; finding ${f.id}`)}</failure>\n` +
        "    </testcase>"
      );
    case "none":
      return `${open}\n      <skipped message="${escapeXml(f.summary)}"/>\n    </testcase>`;
    default:
      return `${open}\n      <system-out>${escapeXml(`value ${value}: ${f.summary}`)}</system-out>\n    </testcase>`;
  }
}

/**
 * JUnit XML for CI: one testcase per threshold, a failure carrying value and limit;
 * then, when the run judged any, one testcase per finding in a "findings" suite.
 */
export function renderJunitReport(report: JsonReport): string {
  const failures = report.thresholds.filter((t) => !t.ok).length;
  const cases = report.thresholds.map((t) => {
    const name = escapeXml(t.expr);
    const value = t.value === null ? "none" : String(t.value);
    // The limit is the expression's operator and number, e.g. ">= 0.95".
    const limit = /(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(t.expr);
    const limitText = limit ? `${limit[1]} ${limit[2]}` : t.expr;
    if (t.ok)
      return `    <testcase classname="gw-chaos.${escapeXml(report.scenario)}" name="${name}"/>`;
    return (
      `    <testcase classname="gw-chaos.${escapeXml(report.scenario)}" name="${name}">\n` +
      `      <failure message="${escapeXml(`${t.expr} failed: value ${value}, limit ${limitText}`)}" type="threshold">value ${escapeXml(value)}; limit ${escapeXml(limitText)}; threshold ${name}</failure>\n` +
      "    </testcase>"
    );
  });
  const findings = report.findings;
  const findingFailures = findings.filter((f) => findingVerdict(f) === "fail").length;
  const skipped = findings.filter((f) => findingVerdict(f) === "none").length;
  const findingSuite =
    findings.length === 0
      ? []
      : [
          `  <testsuite name="findings" tests="${findings.length}" failures="${findingFailures}" skipped="${skipped}">`,
          ...findings.map(findingCase),
          "  </testsuite>",
        ];
  const tests = report.thresholds.length + findings.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gw-chaos" tests="${tests}" failures="${failures + findingFailures}">`,
    `  <testsuite name="${escapeXml(report.scenario)}" tests="${report.thresholds.length}" failures="${failures}">`,
    ...cases,
    "  </testsuite>",
    ...findingSuite,
    "</testsuites>",
    "",
  ].join("\n");
}
