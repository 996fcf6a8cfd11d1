import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { compareReports } from "../../report/compare.js";
import { renderComparisonMarkdown, renderComparisonTerminal } from "../../report/compare-render.js";
import { type JsonReport, REPORT_VERSION } from "../../report/json-report.js";
import { InputError } from "../../scenario/problems.js";
import { ExitCode } from "../exit-codes.js";
import { type Io, useColor } from "../io.js";

export interface CompareFlags {
  json?: boolean;
  markdown?: boolean;
}

/** Reads a JSON report, or says in one line why the file is not one. */
function readReport(io: Io, ref: string): JsonReport {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, ref), "utf8");
  } catch {
    throw new InputError([`${ref}: no such file`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError([`${ref}: not JSON (${(error as Error).message})`]);
  }
  const report = data as Partial<JsonReport> | null;
  if (!report || typeof report !== "object" || report.tool !== "gw-chaos")
    throw new InputError([`${ref}: not a gw-chaos report (expected "tool": "gw-chaos")`]);
  if (report.version !== REPORT_VERSION)
    throw new InputError([
      `${ref}: report version ${String(report.version)}; this gw-chaos reads version ${REPORT_VERSION}`,
    ]);
  if (!report.lanes || !report.routes || !report.ledger || !report.totals || !report.router)
    throw new InputError([
      `${ref}: a report from an older gw-chaos (no totals or router); run it again to compare`,
    ]);
  return report as JsonReport;
}

/** gw-chaos compare a.json b.json: both reports side by side, b against a. */
export function compareCommand(io: Io, a: string, b: string, flags: CompareFlags): number {
  const comparison = compareReports(readReport(io, a), readReport(io, b));
  if (flags.json) io.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
  else if (flags.markdown) io.stdout.write(renderComparisonMarkdown(comparison));
  else io.stdout.write(renderComparisonTerminal(comparison, useColor(io)));
  return ExitCode.Ok;
}
