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

/** JUnit XML for CI: one testcase per threshold, a failure carrying value and limit. */
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
