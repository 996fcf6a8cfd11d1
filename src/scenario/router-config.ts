import {
  DEFAULT_TUNABLES,
  defaultShedLanes,
  type PresetName,
  presetRules,
} from "../router/presets.js";
import type { RouteId, RouteOptions, RouterConfig } from "../router/types.js";
import type { VendorSpec } from "../vendor/types.js";
import { parseDuration } from "./duration.js";
import type { PathSegment } from "./problems.js";
import type { RouterConfigFile } from "./router-schema.js";

const ms = (value: number | string | undefined, fallback: number): number =>
  value === undefined ? fallback : parseDuration(value);

/**
 * Turns a router file into the router core's config: the preset's rules with the
 * file's switches over them, and every tunable the file leaves out taken from the
 * defaults. Prices for spend (P2) come from the vendors' profiles.
 */
export function toRouterConfig(
  file: RouterConfigFile,
  vendors: readonly VendorSpec[],
): RouterConfig {
  const d = DEFAULT_TUNABLES;
  const preset: PresetName = file.preset ?? "playbook";
  const rules = { ...presetRules(preset) };
  for (const [id, on] of Object.entries(file.rules ?? {})) {
    if (on !== undefined) rules[id as keyof typeof rules] = on;
  }
  const lanes = Object.entries(file.lanes).map(([name, lane]) => ({
    name,
    priority: lane.priority,
    waitBudgetMs: parseDuration(lane.waitBudget),
    maxQueue: lane.maxQueue,
    timeoutMs: parseDuration(lane.timeout),
    deadlineMs: parseDuration(lane.deadline),
  }));
  const h = file.health ?? {};
  const r = file.retry ?? {};
  const t = file.tenants ?? {};
  return {
    rules,
    headroom: file.headroom ?? d.headroom,
    cooldownMs: ms(file.cooldown, d.cooldownMs),
    classes: file.classes as Record<string, RouteId[]>,
    routes: routeOptions(file, vendors),
    lanes,
    largePrompts: {
      thresholdTokens: file.largePrompts?.threshold ?? d.largePrompts.thresholdTokens,
      share: file.largePrompts?.share ?? d.largePrompts.share,
    },
    tenants: {
      ...(t.requestsPerMinute !== undefined ? { requestsPerMinute: t.requestsPerMinute } : {}),
      ...(t.tokensPerMinute !== undefined ? { tokensPerMinute: t.tokensPerMinute } : {}),
      overrides: t.overrides ?? {},
    },
    health: {
      throttleBurst: h.throttleBurst ?? d.health.throttleBurst,
      errorSpike: h.errorSpike ?? d.health.errorSpike,
      windowMs: ms(h.window, d.health.windowMs),
      slowFactor: h.slowFactor ?? d.health.slowFactor,
      baselineMs: ms(h.baseline, d.health.baselineMs),
      openMs: ms(h.open, d.health.openMs),
      probes: h.probes ?? d.health.probes,
    },
    shift: {
      steps: file.shift?.steps ?? d.shift.steps,
      stepMs: ms(file.shift?.step, d.shift.stepMs),
    },
    retry: {
      maxAttempts: r.maxAttempts ?? d.retry.maxAttempts,
      baseMs: ms(r.base, d.retry.baseMs),
      maxMs: ms(r.max, d.retry.maxMs),
      jitter: r.jitter ?? d.retry.jitter,
      budget: r.budget ?? d.retry.budget,
      minPerSecond: r.minPerSecond ?? d.retry.minPerSecond,
      windowMs: ms(r.window, d.retry.windowMs),
      fixedDelayMs: ms(r.fixedDelay, d.retry.fixedDelayMs),
      maxQueue: r.maxQueue ?? d.retry.maxQueue,
      priority: r.priority ?? d.retry.priority,
    },
    shed: {
      lanes: file.shed?.lanes ?? defaultShedLanes(lanes),
      headroom: file.shed?.headroom ?? d.shed.headroom,
      pauseAtQueueAgeMs: ms(file.shed?.pauseAtQueueAge, d.shed.pauseAtQueueAgeMs),
    },
  };
}

function routeOptions(
  file: RouterConfigFile,
  vendors: readonly VendorSpec[],
): Partial<Record<RouteId, RouteOptions>> {
  const out: Partial<Record<RouteId, RouteOptions>> = {};
  for (const routes of Object.values(file.classes)) {
    for (const route of routes as RouteId[]) {
      const slash = route.indexOf("/");
      const vendor = vendors.find((v) => v.name === route.slice(0, slash));
      const model = vendor?.models.find((m) => m.name === route.slice(slash + 1));
      const own = file.routes?.[route] ?? {};
      out[route] = {
        ...own,
        ...(model
          ? {
              priceUsdPerMTok: {
                input: model.price.inputPerMTok,
                output: model.price.outputPerMTok,
              },
            }
          : {}),
      };
    }
  }
  return out;
}

/** Problems a schema cannot see: names in the router file that point nowhere. */
export function routerReferenceProblems(
  file: RouterConfigFile,
): { path: PathSegment[]; message: string }[] {
  const problems: { path: PathSegment[]; message: string }[] = [];
  const laneNames = Object.keys(file.lanes);
  const classRoutes = new Set(Object.values(file.classes).flat());
  for (const route of Object.keys(file.routes ?? {})) {
    if (!classRoutes.has(route))
      problems.push({
        path: ["router", "routes", route],
        message: `route "${route}" is in no class (classes name: ${[...classRoutes].join(", ")})`,
      });
  }
  for (const [i, lane] of (file.shed?.lanes ?? []).entries()) {
    if (!laneNames.includes(lane))
      problems.push({
        path: ["router", "shed", "lanes", i],
        message: `unknown lane "${lane}" (router.lanes has: ${laneNames.join(", ")})`,
      });
  }
  return problems;
}
