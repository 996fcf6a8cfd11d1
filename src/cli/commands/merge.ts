import { join, resolve } from "node:path";
import { parseThreshold, type Threshold } from "../../metrics/thresholds.js";
import { mergeReports } from "../../report/merge-reports.js";
import { checkShardSet } from "../../report/shard-set.js";
import { renderTerminalReport } from "../../report/terminal-report.js";
import { evaluateThresholds } from "../../report/thresholds-check.js";
import type { JsonReport } from "../../report/json-report.js";
import { InputError } from "../../scenario/problems.js";
import { ExitCode } from "../exit-codes.js";
import { type Io, useColor } from "../io.js";
import { readReport } from "../read-report.js";
import { parseFormats, prepareOutDir, timestamp, writeReportFiles } from "../report-files.js";

export interface MergeFlags {
  out?: string;
  format: string;
  json?: boolean;
  quiet?: boolean;
}

/** The thresholds the shards were run with (the same expressions in each), in their order. */
function shardThresholds(merged: JsonReport, shards: readonly JsonReport[]): Threshold[] {
  const scopes = {
    lanes: Object.keys(merged.lanes),
    vendors: [...new Set(merged.routes.map((r) => r.vendor))],
    tenants: Object.keys(merged.tenants),
  };
  const exprs = [...new Set(shards.flatMap((r) => r.thresholds.map((t) => t.expr)))];
  return exprs.map((expr) => {
    const parsed = parseThreshold(expr, scopes);
    if (typeof parsed === "string")
      throw new InputError([`threshold ${JSON.stringify(expr)} of the shards: ${parsed}`]);
    return parsed;
  });
}

/** What the merged report holds, in one line: all the shards, or which of them. */
function describeShards(shards: { count: number; merged: number[] }): string {
  const held = shards.merged.join(", ");
  if (shards.merged.length === shards.count) return `merged shards ${held} of ${shards.count}`;
  const missing = Array.from({ length: shards.count }, (_, i) => i + 1).filter(
    (i) => !shards.merged.includes(i),
  );
  return (
    `incomplete: merged shards ${held} of ${shards.count}, missing ${missing.join(", ")}; ` +
    "the counts and percentiles are of these shards' requests only"
  );
}

/**
 * gw-chaos merge a.json b.json ...: the reports of a run's shards (`--shard i/n`) as one
 * report, its percentiles read from the shards' histograms added together. The shards'
 * thresholds are evaluated on it; it is printed and written as `run` does, and the exit
 * code is the thresholds' verdict.
 */
export function mergeCommand(io: Io, files: string[], flags: MergeFlags): number {
  const formats = parseFormats(flags.format);
  const shards = checkShardSet(files.map((file) => ({ file, report: readReport(io.cwd, file) })));
  const merged = mergeReports(shards);
  const reports = shards.map((s) => s.report);
  merged.thresholds = evaluateThresholds(shardThresholds(merged, reports), merged);
  const outDir = prepareOutDir(
    resolve(
      io.cwd,
      flags.out ?? join("reports", `${merged.scenario}-merged-${timestamp(io.now())}`),
    ),
  );
  const written = writeReportFiles(merged, formats, outDir, io.cwd);
  const note = describeShards(merged.shards!);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(merged, null, 2)}\n`);
    io.stderr.write(`gw-chaos merge: ${note}\n`);
  } else {
    io.stdout.write(`${note}\n`);
    if (!flags.quiet) io.stdout.write(`\n${renderTerminalReport(merged, { color: useColor(io) })}`);
    else
      for (const t of merged.thresholds.filter((t) => !t.ok))
        io.stdout.write(`threshold failed: ${t.expr} (value ${t.value ?? "none"})\n`);
    if (written.length > 0) io.stdout.write(`\nReport files: ${written.join(", ")}\n`);
  }
  if (!merged.ledger.balanced) {
    io.stderr.write(
      "error: the merged ledger does not balance: a shard's did not (a gw-chaos bug in that run)\n",
    );
    return ExitCode.RunBroke;
  }
  return merged.thresholds.every((t) => t.ok) ? ExitCode.Ok : ExitCode.ThresholdFailed;
}
