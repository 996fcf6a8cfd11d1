import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { compareReports } from "../../report/compare.js";
import { renderComparisonHtml } from "../../report/compare-html.js";
import { renderComparisonMarkdown, renderComparisonTerminal } from "../../report/compare-render.js";
import { buildJsonReport, type JsonReport } from "../../report/json-report.js";
import { renderTerminalReport } from "../../report/terminal-report.js";
import { collectThresholds, evaluateThresholds } from "../../report/thresholds-check.js";
import { isPresetName } from "../../router/presets.js";
import { DEFAULT_GATEWAY_CONFIG_PORT_BASE } from "../../gateway/mock-urls.js";
import type { GatewayOptions } from "../../run/gateway-target.js";
import { runScenario } from "../../run/run-scenario.js";
import { loadScenario, type ResolvedScenario } from "../../scenario/loader.js";
import { parseOverride } from "../../scenario/overrides.js";
import { InputError } from "../../scenario/problems.js";
import { ExitCode } from "../exit-codes.js";
import { type Io, useColor } from "../io.js";
import type { RunFlags } from "../main.js";
import { toolVersion } from "../main.js";
import { ProgressLine } from "../progress.js";
import { parseFormats, prepareOutDir, timestamp, writeReportFiles } from "../report-files.js";

export async function runCommand(io: Io, ref: string, flags: RunFlags): Promise<number> {
  if (flags.gateway !== undefined && flags.router.length > 0)
    throw new InputError([
      "--gateway and --router: a gateway under test does its own routing; run the embedded router apart (--router playbook) and compare the two reports",
    ]);
  if (flags.router.length > 2)
    throw new InputError([
      `--router: give one router, or two to compare (got ${flags.router.length})`,
    ]);
  if (flags.router.length === 2) return runAndCompare(io, ref, flags);
  const run = await runOnce(io, ref, flags, flags.router[0], flags.out);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(run.report, null, 2)}\n`);
  } else {
    io.stdout.write(renderTerminalReport(run.report, { color: useColor(io) }));
    if (run.written.length > 0) io.stdout.write(`\nReport files: ${run.written.join(", ")}\n`);
  }
  return run.exitCode;
}

/**
 * --router A --router B: both configs on the same scenario and seed, one after the
 * other, each with its own report files (a/ and b/ under --out), then the comparison
 * (comparison.md, comparison.json) and its table. A threshold failed in either run
 * exits 1.
 */
async function runAndCompare(io: Io, ref: string, flags: RunFlags): Promise<number> {
  const [routerA, routerB] = flags.router as [string, string];
  const base = resolve(io.cwd, flags.out ?? join("reports", `compare-${timestamp(io.now())}`));
  const quietFlags = { ...flags, json: false };
  const a = await runOnce(io, ref, quietFlags, routerA, join(base, "a"));
  // Ctrl-C during the first run stops both: its partial report is written.
  if (a.exitCode === ExitCode.Interrupted) return a.exitCode;
  const b = await runOnce(io, ref, quietFlags, routerB, join(base, "b"));
  const comparison = compareReports(a.report, b.report);
  writeFileSync(join(base, "comparison.json"), `${JSON.stringify(comparison, null, 2)}\n`);
  writeFileSync(join(base, "comparison.md"), renderComparisonMarkdown(comparison));
  writeFileSync(
    join(base, "comparison.html"),
    renderComparisonHtml(comparison, a.report, b.report),
  );
  if (flags.json) io.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
  else {
    io.stdout.write(`a: --router ${routerA}\nb: --router ${routerB}\n`);
    io.stdout.write(renderComparisonTerminal(comparison, useColor(io)));
    const files = [...a.written, ...b.written, join(base, "comparison.html")];
    io.stdout.write(
      `\nReport files: ${files.map((f) => relative(io.cwd, resolve(io.cwd, f)) || f).join(", ")}\n`,
    );
  }
  // An interrupted or broken run says so first; else a failed threshold in either.
  return Math.max(
    a.exitCode === ExitCode.Ok ? 0 : a.exitCode,
    b.exitCode === ExitCode.Ok ? 0 : b.exitCode,
  );
}

interface OneRun {
  report: JsonReport;
  written: string[];
  exitCode: number;
}

/** One run: load, run, evaluate thresholds, write the report files. Prints no report. */
async function runOnce(
  io: Io,
  ref: string,
  flags: RunFlags,
  router: string | undefined,
  out: string | undefined,
): Promise<OneRun> {
  const formats = parseFormats(flags.format);
  const scenario = loadScenario(ref, {
    cwd: io.cwd,
    overrides: flags.set.map(parseOverride),
    // A preset name (playbook, naive) passes through as is; a path is resolved here.
    ...(router ? { routerFile: isPresetName(router) ? router : resolve(io.cwd, router) } : {}),
  });
  const thresholds = collectThresholds(scenario, flags.threshold);
  const outDir = prepareOutDir(
    resolve(io.cwd, out ?? join("reports", `${scenario.name}-${timestamp(io.now())}`)),
  );
  const seed = flags.seed ?? scenario.seed;
  const speed = flags.speed ?? scenario.speed;
  const gateway = gatewayOptions(io, flags, scenario);
  // A gateway configured from a file (LiteLLM) names the mocks' ports: the ones
  // gateway-config writes unless told otherwise.
  const portBase =
    flags.portBase ??
    (gateway?.kind === "openai-compatible" ? DEFAULT_GATEWAY_CONFIG_PORT_BASE : undefined);

  const progress =
    flags.quiet || flags.json || flags.mode === "sim" ? undefined : new ProgressLine(io);
  const interrupt = new AbortController();
  const stopListening = io.onInterrupt(() => {
    if (!interrupt.signal.aborted)
      io.stderr.write(
        "\nstopping: letting in-flight calls finish, then writing a partial report\n",
      );
    interrupt.abort();
  });
  let result: Awaited<ReturnType<typeof runScenario>>;
  try {
    // Said once the mocks listen (and a gateway under test was found to take connections:
    // one that does not fails before, in one line).
    const announce = () =>
      io.stderr.write(
        `gw-chaos: ${scenario.name}${flags.shard ? ` shard ${flags.shard.index}/${flags.shard.count}` : ""}, live on loopback at ${speed}x${gateway ? ` through the gateway at ${gateway.url}` : ""}: ` +
          `${Math.round(scenario.durationMs / 1000)} s of scenario time in about ${Math.ceil(scenario.durationMs / 1000 / speed)} s\n`,
      );
    result = await runScenario(scenario, {
      mode: flags.mode,
      seed,
      speed,
      signal: interrupt.signal,
      ...(gateway ? { gateway } : {}),
      ...(portBase !== undefined ? { portBase } : {}),
      ...(flags.shard ? { shard: flags.shard } : {}),
      ...(progress ? { onSecond: (s) => progress.update(s) } : {}),
      ...(flags.mode === "live" && !flags.quiet && !flags.json ? { onMocksReady: announce } : {}),
    });
  } finally {
    stopListening();
    progress?.done();
  }

  const report = buildJsonReport(result, toolVersion());
  report.thresholds = evaluateThresholds(thresholds, report);

  const written = writeReportFiles(report, formats, outDir, io.cwd);

  let exitCode: number = report.thresholds.every((t) => t.ok)
    ? ExitCode.Ok
    : ExitCode.ThresholdFailed;
  if (!report.ledger.balanced) {
    io.stderr.write(
      "error: the ledger does not balance: a request was lost or counted twice (a gw-chaos bug)\n",
    );
    exitCode = ExitCode.RunBroke;
  }
  if (result.partial) exitCode = ExitCode.Interrupted;
  return { report, written, exitCode };
}

/** --gateway, --gateway-kind and --gateway-config, checked before anything starts. */
function gatewayOptions(
  io: Io,
  flags: RunFlags,
  scenario: ResolvedScenario,
): GatewayOptions | undefined {
  if (flags.gateway === undefined) {
    if (flags.gatewayConfig !== undefined)
      throw new InputError(["--gateway-config: give it with --gateway <url>"]);
    return undefined;
  }
  if (flags.mode === "sim")
    throw new InputError([
      "--gateway: a gateway answers over real HTTP, so it runs in live mode (leave out --mode sim)",
    ]);
  let url: URL;
  try {
    url = new URL(flags.gateway);
  } catch {
    throw new InputError([
      `--gateway ${flags.gateway}: expected a URL, e.g. http://127.0.0.1:8787`,
    ]);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InputError([`--gateway ${flags.gateway}: expected an http:// or https:// URL`]);
  if (flags.gatewayConfig === undefined) return { url: url.href, kind: flags.gatewayKind };
  if (flags.gatewayKind !== "portkey")
    throw new InputError([
      "--gateway-config: only for --gateway-kind portkey (an openai-compatible gateway reads its own config)",
    ]);
  const file = resolve(io.cwd, flags.gatewayConfig);
  let configs: unknown;
  try {
    configs = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : "");
    throw new InputError([`${flags.gatewayConfig}: cannot read it as JSON (${why})`]);
  }
  if (typeof configs !== "object" || configs === null || Array.isArray(configs))
    throw new InputError([
      `${flags.gatewayConfig}: expected an object of Portkey configs by traffic class, { "<class>": { ... } }`,
    ]);
  const missing = Object.keys(scenario.router.classes).filter((cls) => !(cls in configs));
  if (missing.length > 0)
    throw new InputError([
      `${flags.gatewayConfig}: no Portkey config for traffic class ${missing.map((c) => `"${c}"`).join(", ")} (the drill's classes: ${Object.keys(scenario.router.classes).join(", ")})`,
    ]);
  return { url: url.href, kind: "portkey", configs: configs as Record<string, unknown> };
}
