import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { z } from "zod";
import { parseThreshold } from "../metrics/thresholds.js";
import { PRESET_NAMES, type PresetName } from "../router/presets.js";
import type { RouterConfig } from "../router/types.js";
import { expectedRequests } from "../traffic/plan.js";
import { MAX_TRACE_PROBLEMS, parseTrace } from "../traffic/replay-arrivals.js";
import { trafficTenants } from "../traffic/tenants.js";
import type { ArrivalSpec, TraceRequest } from "../traffic/types.js";
import { resolveFault } from "../vendor/faults/fault-kinds.js";
import type { FaultSpec, VendorSpec } from "../vendor/types.js";
import { formatDuration, parseDuration, resolveTime } from "./duration.js";
import { applyOverrides, type Override } from "./overrides.js";
import { closest, formatIssues, InputError, type PathSegment, problem } from "./problems.js";
import { type VendorProfileFile, vendorProfileSchema } from "./profile-schema.js";
import { displayName, readDocument, type SourceDocument } from "./read-document.js";
import {
  builtInProfileNames,
  builtInScenarioNames,
  locateProfile,
  locateScenario,
} from "./registry.js";
import { routerReferenceProblems, toRouterConfig } from "./router-config.js";
import { type RouterConfigFile, routerConfigSchema } from "./router-schema.js";
import { type ScenarioFile, scenarioWithRouterSchema } from "./scenario-schema.js";
import { tokenSizeProblems } from "./schema-parts.js";

/** A scenario with every reference resolved and every time in scenario milliseconds. */
export interface ResolvedScenario {
  file: string;
  name: string;
  description: string;
  durationMs: number;
  speed: number;
  seed: number;
  vendors: VendorSpec[];
  traffic: ArrivalSpec[];
  faults: FaultSpec[];
  router: RouterConfig;
  thresholds: string[];
  /** Router nodes (P20), and what they share through: in memory, nothing, or Redis. */
  nodes: number;
  store: "memory" | "none" | `redis${string}`;
}

export interface LoadOptions {
  cwd: string;
  overrides?: readonly Override[];
  /**
   * A router config file that replaces the scenario's own (--router), or the name
   * of a preset (playbook, naive) to run the scenario's own routes and lanes with.
   */
  routerFile?: string;
}

/**
 * Validates data against a schema, throwing every problem at once with its line,
 * or with the --set that wrote the value.
 */
export function validate<T extends z.ZodType>(
  schema: T,
  source: SourceDocument,
  data = source.data,
  overrides: readonly Override[] = [],
): z.output<T> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const lines = formatIssues(source.displayName, result.error.issues, schema);
  throw new InputError(
    lines.map((line, i) => {
      const path = result.error.issues[i]!.path.map(String);
      const override = overrides.find((o) => o.path.every((segment, j) => path[j] === segment));
      if (override) return `${line} (from --set ${override.text})`;
      const at = source.lineOf(result.error.issues[i]!.path);
      return at === undefined ? line : `${line} (line ${at})`;
    }),
  );
}

export function locateScenarioOrThrow(ref: string, cwd: string): string {
  const path = locateScenario(ref, cwd);
  if (path) return path;
  const names = builtInScenarioNames();
  const hint = closest(ref, names);
  throw new InputError([
    `${ref}: no such file, and no built-in scenario of that name` +
      (hint ? ` (did you mean "${hint}"?)` : ` (built-ins: ${names.join(", ")})`),
  ]);
}

export function loadScenario(ref: string, options: LoadOptions): ResolvedScenario {
  const path = locateScenarioOrThrow(ref, options.cwd);
  const source = readDocument(path, options.cwd);
  let data = source.data;
  if (data && typeof data === "object" && !Array.isArray(data)) {
    const raw = data as Record<string, unknown>;
    const preset = PRESET_NAMES.find((name) => name === options.routerFile);
    const routerRef = preset
      ? typeof raw.router === "string"
        ? raw.router
        : undefined
      : (options.routerFile ?? (typeof raw.router === "string" ? raw.router : undefined));
    if (routerRef !== undefined) {
      const fromFlag = options.routerFile !== undefined && !preset;
      raw.router = fromFlag
        ? loadRouterFile(routerRef, options.cwd, options.cwd, "--router")
        : loadRouterFile(routerRef, dirname(path), options.cwd, `${source.displayName}: router`);
    }
    if (preset) withPreset(raw, preset);
  }
  data = applyOverrides(data, options.overrides ?? []);
  const file = validate(scenarioWithRouterSchema, source, data, options.overrides);
  return resolveScenario(file, source, dirname(path), options.cwd);
}

/** --router naive: the scenario's own router, its preset replaced and its rule switches dropped. */
function withPreset(raw: Record<string, unknown>, preset: PresetName): void {
  const router = raw.router;
  if (!router || typeof router !== "object" || Array.isArray(router)) return;
  const { rules: _rules, ...rest } = router as Record<string, unknown>;
  raw.router = { ...rest, preset };
}

/**
 * Reads and validates a router config file, reporting problems against that file;
 * a reference to no file is reported where it was written (`referrer`).
 */
function loadRouterFile(
  ref: string,
  base: string,
  cwd: string,
  referrer: string,
): RouterConfigFile {
  const path = resolve(base, ref);
  // A directory counts as missing: `router: ""` or `router: .` must not read the folder.
  if (ref.trim() === "" || !existsSync(path) || statSync(path).isDirectory())
    throw new InputError([`${referrer}: no such router file ${JSON.stringify(ref)}`]);
  return validate(routerConfigSchema, readDocument(path, cwd));
}

export function loadProfile(path: string, cwd: string): VendorProfileFile {
  return validate(vendorProfileSchema, readDocument(path, cwd));
}

function resolveScenario(
  file: ScenarioFile,
  source: SourceDocument,
  scenarioDir: string,
  cwd: string,
): ResolvedScenario {
  const problems: string[] = [];
  const report = (path: PathSegment[], message: string) => {
    const line = source.lineOf(path);
    problems.push(problem(source.displayName, path, message) + (line ? ` (line ${line})` : ""));
  };
  const durationMs = parseDuration(file.duration);
  if (durationMs <= 0) report(["duration"], "expected a duration above zero");
  const at = (t: number | string) => resolveTime(t, durationMs);

  const vendors: VendorSpec[] = [];
  for (const [name, ref] of Object.entries(file.vendors)) {
    const profilePath = locateProfile(ref.profile, scenarioDir);
    if (!profilePath) {
      const names = builtInProfileNames();
      const hint = closest(ref.profile, names);
      report(
        ["vendors", name, "profile"],
        `unknown profile "${ref.profile}"` +
          (hint
            ? ` (did you mean "${hint}"?)`
            : ` (expected one of: ${names.join(", ")}, or a path to a profile file)`),
      );
      continue;
    }
    try {
      vendors.push(toVendorSpec(name, loadProfile(profilePath, cwd)));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  }
  const models = new Map(vendors.map((v) => [v.name, new Set(v.models.map((m) => m.name))]));
  const vendorNames = Object.keys(file.vendors);

  const checkRoute = (route: string, path: PathSegment[]) => {
    const slash = route.indexOf("/");
    const vendor = route.slice(0, slash);
    const model = route.slice(slash + 1);
    if (!vendorNames.includes(vendor)) {
      report(
        path,
        `unknown vendor "${vendor}" (vendors of this scenario: ${vendorNames.join(", ")})`,
      );
    } else if (models.has(vendor) && !models.get(vendor)!.has(model)) {
      report(
        path,
        `vendor "${vendor}" has no model "${model}" (it has: ${[...models.get(vendor)!].join(", ")})`,
      );
    }
  };

  const router = file.router;
  for (const [cls, routes] of Object.entries(router.classes)) {
    for (const [i, route] of routes.entries()) checkRoute(route, ["router", "classes", cls, i]);
  }
  for (const { path, message } of routerReferenceProblems(router)) report(path, message);
  const laneNames = Object.keys(router.lanes);
  const classNames = Object.keys(router.classes);
  const traffic = resolveTraffic(file.traffic, {
    durationMs,
    at,
    scenarioDir,
    cwd,
    laneNames,
    classNames,
    report,
    problems,
  });
  file.faults.forEach((fault, i) => {
    if (!vendorNames.includes(fault.vendor)) {
      report(
        ["faults", i, "vendor"],
        `unknown vendor "${fault.vendor}" (vendors of this scenario: ${vendorNames.join(", ")})`,
      );
    } else if (
      fault.model &&
      models.has(fault.vendor) &&
      !models.get(fault.vendor)!.has(fault.model)
    ) {
      report(["faults", i, "model"], `vendor "${fault.vendor}" has no model "${fault.model}"`);
    }
  });
  const tenantNames = trafficTenants(traffic);
  for (const tenant of tenantNames) {
    const clash = laneNames.includes(tenant)
      ? "a lane"
      : vendorNames.includes(tenant)
        ? "a vendor"
        : "";
    if (clash && file.thresholds.some((t) => t.trim().startsWith(`${tenant}.`)))
      report(
        ["thresholds"],
        `tenant "${tenant}" has the name of ${clash}: a threshold on it is ambiguous`,
      );
  }
  const thresholdScopes = { lanes: laneNames, vendors: vendorNames, tenants: tenantNames };
  for (const [i, expr] of file.thresholds.entries()) {
    const parsed = parseThreshold(expr, thresholdScopes);
    if (typeof parsed === "string")
      report(["thresholds", i], `${parsed} (got ${JSON.stringify(expr)})`);
  }
  const planned = plannedRequests(traffic, durationMs);
  if (planned > MAX_PLANNED_REQUESTS) {
    report(
      ["traffic"],
      `plans about ${Math.round(planned).toLocaleString("en-US")} requests; at most ` +
        `${MAX_PLANNED_REQUESTS.toLocaleString("en-US")} fit in one run (lower a rate or the duration)`,
    );
  }
  if (problems.length > 0) throw new InputError(problems);

  return {
    file: source.displayName,
    name: file.name,
    description: file.description,
    durationMs,
    speed: file.speed,
    seed: file.seed,
    vendors,
    traffic,
    faults: file.faults.map((f, i) => resolveFault(f, f.vendor, `fault-${i}`, 0, durationMs)),
    router: toRouterConfig(router, vendors),
    thresholds: file.thresholds,
    nodes: file.nodes,
    store: file.store as ResolvedScenario["store"],
  };
}

/** The plan is built whole before a run: this many requests is as far as memory goes. */
export const MAX_PLANNED_REQUESTS = 5_000_000;

/** How many requests the traffic will plan: the area under each arrival's rate. */
function plannedRequests(traffic: readonly ArrivalSpec[], durationMs: number): number {
  let total = 0;
  for (const a of traffic) total += expectedRequests(a, durationMs);
  return total;
}

interface TrafficContext {
  durationMs: number;
  at: (t: number | string) => number;
  scenarioDir: string;
  cwd: string;
  laneNames: readonly string[];
  classNames: readonly string[];
  report: (path: PathSegment[], message: string) => void;
  problems: string[];
}

/**
 * The scenario's traffic in scenario milliseconds, with its problems reported:
 * lanes and classes the router lacks, sizes zod cannot check, steps out of order,
 * a trace that cannot be read or has bad lines (each named by its line).
 */
function resolveTraffic(arrivals: ScenarioFile["traffic"], ctx: TrafficContext): ArrivalSpec[] {
  const { durationMs, at, report } = ctx;
  const laneProblem = (lane: string) =>
    ctx.laneNames.includes(lane)
      ? undefined
      : `unknown lane "${lane}" (router.lanes has: ${ctx.laneNames.join(", ")})`;
  const classProblem = (cls: string) =>
    ctx.classNames.includes(cls)
      ? undefined
      : `unknown class "${cls}" (router.classes has: ${ctx.classNames.join(", ")})`;
  /** A window from `from` lasting `for`, or to the end; cut at the scenario's end. */
  const window = (from: number | string, span: number | string | undefined) => {
    const fromMs = at(from);
    const untilMs = span === undefined ? durationMs : Math.min(durationMs, fromMs + at(span));
    return { fromMs, untilMs };
  };

  return arrivals.map((a, i): ArrivalSpec => {
    const clientRetries = a.clientRetries
      ? {
          clientRetries: {
            max: a.clientRetries.max,
            delayMs: parseDuration(a.clientRetries.delay),
          },
        }
      : {};
    if (a.type === "replay") {
      const requests = readTrace(a, i, ctx, laneProblem, classProblem);
      return {
        type: "replay",
        file: a.file,
        fromMs: at(a.from),
        speed: a.speed,
        requests,
        ...(a.class !== undefined ? { class: a.class } : {}),
        stream: a.stream,
        ...clientRetries,
      };
    }

    const lane = laneProblem(a.lane);
    if (lane) report(["traffic", i, "lane"], lane);
    const cls = classProblem(a.class);
    if (cls) report(["traffic", i, "class"], cls);
    for (const key of ["prompt", "completion"] as const) {
      for (const p of tokenSizeProblems(a[key])) report(["traffic", i, key, ...p.path], p.message);
    }
    if (a.tenants !== undefined) {
      if (a.tenant !== undefined)
        report(["traffic", i, "tenants"], "give tenant or tenants, not both");
      if (Object.keys(a.tenants).length === 0)
        report(["traffic", i, "tenants"], "expected at least one tenant with its weight");
    }
    const shape = {
      lane: a.lane,
      class: a.class,
      tenant: a.tenant ?? "default",
      ...(a.tenants !== undefined
        ? { tenants: Object.entries(a.tenants).map(([name, weight]) => ({ name, weight })) }
        : {}),
      prompt: a.prompt,
      completion: a.completion,
      stream: a.stream,
      ...clientRetries,
    };

    switch (a.type) {
      case "constant":
      case "poisson":
        return { type: a.type, rate: a.rate, ...window(a.from, a.for), ...shape };
      case "spike":
        return {
          type: "spike",
          rate: a.rate,
          fromMs: at(a.from),
          riseMs: at(a.rise),
          holdMs: at(a.hold),
          fallMs: at(a.fall),
          ...shape,
        };
      case "ramp": {
        const fromMs = at(a.from);
        const forMs = a.for === undefined ? Math.max(0, durationMs - fromMs) : at(a.for);
        return { type: "ramp", startRate: a.start, endRate: a.end, fromMs, forMs, ...shape };
      }
      case "step": {
        const steps = a.steps.map((s) => ({ atMs: at(s.at), rate: s.rate }));
        steps.forEach((s, j) => {
          const before = steps[j - 1];
          if (before && s.atMs < before.atMs) {
            report(
              ["traffic", i, "steps", j, "at"],
              `steps must be in time order (this one is at ${formatDuration(s.atMs)}, ` +
                `the one before at ${formatDuration(before.atMs)})`,
            );
          }
        });
        return { type: "step", steps, ...shape };
      }
    }
    // What is left is a diurnal curve.
    const periodMs = at(a.period);
    if (!(periodMs > 0)) report(["traffic", i, "period"], "expected a period above zero");
    if (a.peak < a.base)
      report(["traffic", i, "peak"], `peak (${a.peak}) is below base (${a.base})`);
    const peakMs = a.peakAt === undefined ? periodMs / 2 : at(a.peakAt);
    return {
      type: "diurnal",
      base: a.base,
      peak: a.peak,
      periodMs,
      peakMs,
      ...window(a.from, a.for),
      ...shape,
    };
  });
}

/**
 * Reads a replay's trace (relative to the scenario file) and checks each line's
 * lane and class, reporting problems against the trace with their line numbers.
 */
function readTrace(
  a: Extract<ScenarioFile["traffic"][number], { type: "replay" }>,
  i: number,
  ctx: TrafficContext,
  laneProblem: (lane: string) => string | undefined,
  classProblem: (cls: string) => string | undefined,
): TraceRequest[] {
  const path = resolve(ctx.scenarioDir, a.file);
  const name = displayName(path, ctx.cwd);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    ctx.report(
      ["traffic", i, "file"],
      code === "ENOENT"
        ? `no such file "${a.file}" (looked for ${name}; a trace is found relative to the scenario file)`
        : `cannot read the trace "${a.file}" (${code ?? String(error)})`,
    );
    return [];
  }
  let requests: TraceRequest[];
  try {
    requests = parseTrace(text, name);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    ctx.problems.push(...error.problems);
    return [];
  }
  const found: string[] = [];
  for (const r of requests) {
    const lane = laneProblem(r.lane);
    if (lane) found.push(`${name}: lane: ${lane} (line ${r.line})`);
    const cls = r.class ?? a.class;
    const clsProblem =
      cls === undefined
        ? `required: the line gives no class and traffic.${i} has no class for it`
        : classProblem(cls);
    if (clsProblem) found.push(`${name}: class: ${clsProblem} (line ${r.line})`);
  }
  ctx.problems.push(...found.slice(0, MAX_TRACE_PROBLEMS));
  if (found.length > MAX_TRACE_PROBLEMS)
    ctx.problems.push(`${name}: ... and ${found.length - MAX_TRACE_PROBLEMS} more problems`);
  return requests;
}

export function toVendorSpec(name: string, profile: VendorProfileFile): VendorSpec {
  return {
    name,
    profile: profile.name,
    format: profile.format,
    models: Object.entries(profile.models).map(([model, m]) => ({
      name: model,
      limits: {
        rpm: m.limits.rpm,
        tpm: m.limits.tpm,
        algorithm: m.limits.algorithm,
        charge: m.limits.charge,
        ...(m.limits.inputTpm !== undefined ? { inputTpm: m.limits.inputTpm } : {}),
        ...(m.limits.outputTpm !== undefined ? { outputTpm: m.limits.outputTpm } : {}),
        ...(m.limits.concurrent !== undefined ? { concurrent: m.limits.concurrent } : {}),
        ...(m.limits.rpd !== undefined ? { rpd: m.limits.rpd } : {}),
        ...(m.limits.enforcedPer !== undefined
          ? { enforcedPerMs: parseDuration(m.limits.enforcedPer) }
          : {}),
      },
      latency: {
        ttftMedianMs: parseDuration(m.latency.ttft.median),
        ttftSigma: m.latency.ttft.sigma,
        tokensPerSecond: m.latency.tokensPerSecond,
        ...(m.latency.halfSpeedAt !== undefined ? { halfSpeedAt: m.latency.halfSpeedAt } : {}),
      },
      price: { ...m.price },
      defaultCompletionTokens: m.defaultCompletionTokens,
    })),
  };
}
