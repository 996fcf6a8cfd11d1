import type { JsonReport } from "./json-report.js";

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** JUnit XML for CI: one testcase per threshold, a failure carrying value and limit. */
export function renderJunitReport(report: JsonReport): string {
  const failures = report.thresholds.filter((t) => !t.ok).length;
  const cases = report.thresholds.map((t) => {
    const name = escapeXml(t.expr);
    const value = t.value === null ? "none" : String(t.value);
    if (t.ok)
      return `    <testcase classname="gw-chaos.${escapeXml(report.scenario)}" name="${name}"/>`;
    return (
      `    <testcase classname="gw-chaos.${escapeXml(report.scenario)}" name="${name}">\n` +
      `      <failure message="${escapeXml(`${t.expr} failed: value ${value}`)}" type="threshold">value ${escapeXml(value)}; threshold ${name}</failure>\n` +
      "    </testcase>"
    );
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gw-chaos" tests="${report.thresholds.length}" failures="${failures}">`,
    `  <testsuite name="${escapeXml(report.scenario)}" tests="${report.thresholds.length}" failures="${failures}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
