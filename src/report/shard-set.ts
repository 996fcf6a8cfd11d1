import { InputError } from "../scenario/problems.js";
import type { Shard } from "../traffic/shard.js";
import type { JsonReport } from "./json-report.js";
import type { ReportHistograms } from "./shard-histograms.js";

/** A shard's report, with the file it came from (named in every complaint). */
export interface ShardReport {
  file: string;
  report: JsonReport & { shard: Shard; histograms: ReportHistograms };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks that reports are shards of one run: each a shard's report with its
 * histograms, all of the same scenario, seed, mode, duration and shard count, no
 * shard twice. In sim every shard ran the same whole world, so their faults, findings
 * and router summaries must agree too (another --router or --set would break that).
 * Throws an InputError naming the file and what differs. Returns them by shard index.
 */
export function checkShardSet(
  reports: readonly { file: string; report: JsonReport }[],
): ShardReport[] {
  const shards: ShardReport[] = [];
  for (const { file, report } of reports) {
    if (!report.shard)
      throw new InputError([
        `${file}: not a shard's report (no "shard"): merge the reports of runs with --shard i/n`,
      ]);
    if (!report.histograms)
      throw new InputError([
        `${file}: a shard's report without "histograms": run the shard again with this gw-chaos`,
      ]);
    shards.push({ file, report: report as ShardReport["report"] });
  }
  const [first, ...rest] = shards;
  if (!first) throw new InputError(["merge: give the JSON reports of the shards to merge"]);
  const fields: [string, (r: JsonReport) => unknown][] = [
    ["scenario", (r) => r.scenario],
    ["seed", (r) => r.seed],
    ["mode", (r) => r.mode],
    ["durationMs", (r) => r.durationMs],
    ["shard count", (r) => r.shard?.count],
  ];
  for (const other of rest)
    for (const [name, read] of fields) {
      const a = read(first.report);
      const b = read(other.report);
      if (a !== b)
        throw new InputError([
          `${other.file}: ${name} ${JSON.stringify(b)}, but ${first.file} has ${JSON.stringify(a)}: not shards of one run`,
        ]);
    }
  const seen = new Map<number, string>();
  for (const { file, report } of shards) {
    const twice = seen.get(report.shard.index);
    if (twice !== undefined)
      throw new InputError([
        `${file}: shard ${report.shard.index}/${report.shard.count} again (${twice} is that shard too)`,
      ]);
    seen.set(report.shard.index, file);
  }
  if (first.report.mode === "sim") {
    const world: [string, (r: JsonReport) => unknown][] = [
      ["faults differ", (r) => r.faults],
      ["findings differ", (r) => r.findings],
      ["router summary differs", (r) => r.router],
    ];
    for (const other of rest)
      for (const [name, read] of world)
        if (!same(read(first.report), read(other.report)))
          throw new InputError([
            `${other.file}: its ${name} from ${first.file}'s: a sim shard runs the whole world, so shards of one run agree (another --router or --set?)`,
          ]);
  }
  return shards.sort((a, b) => a.report.shard.index - b.report.shard.index);
}
