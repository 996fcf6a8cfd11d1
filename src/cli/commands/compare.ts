import { compareReports } from "../../report/compare.js";
import { renderComparisonMarkdown, renderComparisonTerminal } from "../../report/compare-render.js";
import { ExitCode } from "../exit-codes.js";
import { type Io, useColor } from "../io.js";
import { readReport } from "../read-report.js";

export interface CompareFlags {
  json?: boolean;
  markdown?: boolean;
}

/** gw-chaos compare a.json b.json: both reports side by side, b against a. */
export function compareCommand(io: Io, a: string, b: string, flags: CompareFlags): number {
  const comparison = compareReports(readReport(io.cwd, a), readReport(io.cwd, b));
  if (flags.json) io.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
  else if (flags.markdown) io.stdout.write(renderComparisonMarkdown(comparison));
  else io.stdout.write(renderComparisonTerminal(comparison, useColor(io)));
  return ExitCode.Ok;
}
