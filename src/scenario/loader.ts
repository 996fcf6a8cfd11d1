import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { z } from "zod";
import { parseThreshold } from "../metrics/thresholds.js";
import { PRESET_NAMES, type PresetName } from "../router/presets.js";
import type { RouterConfig } from "../router/types.js";
import type { ArrivalSpec } from "../traffic/types.js";
import { resolveFault } from "../vendor/faults/fault-kinds.js";
import type { FaultSpec, VendorSpec } from "../vendor/types.js";
import { parseDuration, resolveTime } from "./duration.js";
import { applyOverrides, type Override } from "./overrides.js";
import { closest, formatIssues, InputError, type PathSegment, problem } from "./problems.js";
import { type VendorProfileFile, vendorProfileSchema } from "./profile-schema.js";
import { readDocument, type SourceDocument } from "./read-document.js";
import {
  builtInProfileNames,
  builtInScenarioNames,
  locateProfile,
  locateScenario,
} from "./registry.js";
import { routerReferenceProblems, toRouterConfig } from "./router-config.js";
import { type RouterConfigFile, routerConfigSchema } from "./router-schema.js";
import { type ScenarioFile, scenarioWithRouterSchema } from "./scenario-schema.js";

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
      raw.router = loadRouterFile(routerRef, fromFlag ? options.cwd : dirname(path), options.cwd);
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

/** Reads and validates a router config file, reporting problems against that file. */
function loadRouterFile(ref: string, base: string, cwd: string): RouterConfigFile {
  const source = readDocument(locateFileOrThrow(ref, base), cwd);
  return validate(routerConfigSchema, source);
}

function locateFileOrThrow(ref: string, base: string): string {
  const path = resolve(base, ref);
  if (!existsSync(path)) throw new InputError([`${ref}: no such file`]);
  return path;
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
  file.traffic.forEach((arrival, i) => {
    if (!laneNames.includes(arrival.lane)) {
      report(
        ["traffic", i, "lane"],
        `unknown lane "${arrival.lane}" (router.lanes has: ${laneNames.join(", ")})`,
      );
    }
    if (!classNames.includes(arrival.class)) {
      report(
        ["traffic", i, "class"],
        `unknown class "${arrival.class}" (router.classes has: ${classNames.join(", ")})`,
      );
    }
    for (const key of ["prompt", "completion"] as const) {
      const size = arrival[key];
      if (typeof size === "object" && size.type === "uniform" && size.min > size.max) {
        report(["traffic", i, key], `min (${size.min}) is above max (${size.max})`);
      }
    }
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
  const thresholdScopes = { lanes: laneNames, vendors: vendorNames };
  for (const [i, expr] of file.thresholds.entries()) {
    const parsed = parseThreshold(expr, thresholdScopes);
    if (typeof parsed === "string")
      report(["thresholds", i], `${parsed} (got ${JSON.stringify(expr)})`);
  }
  const planned = plannedRequests(file.traffic, durationMs, at);
  if (planned > MAX_PLANNED_REQUESTS) {
    report(
      ["traffic"],
      `plans about ${Math.round(planned).toLocaleString("en-US")} requests; at most ` +
        `${MAX_PLANNED_REQUESTS.toLocaleString("en-US")} fit in one run (lower a rate or the duration)`,
    );
  }
  if (problems.length > 0) throw new InputError(problems);

  const traffic: ArrivalSpec[] = file.traffic.map((a) => {
    const shape = {
      lane: a.lane,
      class: a.class,
      tenant: a.tenant,
      prompt: a.prompt,
      completion: a.completion,
      stream: a.stream,
    };
    if (a.type === "constant") {
      const fromMs = at(a.from);
      const untilMs = a.for === undefined ? durationMs : Math.min(durationMs, fromMs + at(a.for));
      return { type: "constant", rate: a.rate, fromMs, untilMs, ...shape };
    }
    return {
      type: "spike",
      rate: a.rate,
      fromMs: at(a.from),
      riseMs: at(a.rise),
      holdMs: at(a.hold),
      fallMs: at(a.fall),
      ...shape,
    };
  });

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
  };
}

/** The plan is built whole before a run: this many requests is as far as memory goes. */
export const MAX_PLANNED_REQUESTS = 5_000_000;

/** How many requests the traffic will plan: the area under each arrival's rate. */
function plannedRequests(
  traffic: ScenarioFile["traffic"],
  durationMs: number,
  at: (t: number | string) => number,
): number {
  let total = 0;
  for (const a of traffic) {
    if (a.type === "constant") {
      const from = at(a.from);
      const until = a.for === undefined ? durationMs : Math.min(durationMs, from + at(a.for));
      total += (a.rate * Math.max(0, until - from)) / 1000;
    } else {
      total += (a.rate * (at(a.hold) + (at(a.rise) + at(a.fall)) / 2)) / 1000;
    }
  }
  return total;
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
