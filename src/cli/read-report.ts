import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type JsonReport, REPORT_VERSION } from "../report/json-report.js";
import { InputError } from "../scenario/problems.js";

/** Reads a JSON report, or says in one line why the file is not one. */
export function readReport(cwd: string, ref: string): JsonReport {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, ref), "utf8");
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
      `${ref}: a report from an older gw-chaos (no totals or router); run it again with this one`,
    ]);
  return report as JsonReport;
}
