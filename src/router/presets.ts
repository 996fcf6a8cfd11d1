import { type RouterConfig, RULE_IDS, type RuleId, type RuleSwitches } from "./types.js";

/**
 * The two built-in router presets. `playbook` has every rule on and is the default;
 * `naive` is the gateway the playbook warns about: one vendor, one queue, a shared
 * fixed retry delay, no cooldown. Any drill run both ways shows what the rules buy.
 */
export const PRESET_NAMES = ["playbook", "naive"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export function presetRules(preset: PresetName): RuleSwitches {
  const on = preset === "playbook";
  return Object.fromEntries(RULE_IDS.map((id) => [id, on])) as RuleSwitches;
}

/** The tunables every preset starts from; a router file overrides any of them. */
export type RouterTunables = Omit<
  RouterConfig,
  "rules" | "classes" | "routes" | "lanes" | "shed"
> & {
  shed: Omit<RouterConfig["shed"], "lanes">;
};

export const DEFAULT_TUNABLES: RouterTunables = {
  headroom: 0.85,
  cooldownMs: 1000,
  largePrompts: { thresholdTokens: 8000, share: 0.5 },
  tenants: { overrides: {} },
  health: {
    throttleBurst: 5,
    errorSpike: 5,
    windowMs: 10_000,
    slowFactor: 3,
    baselineMs: 600_000,
    openMs: 30_000,
    probes: 1,
  },
  shift: { steps: [0.1, 0.25, 0.5, 1], stepMs: 10_000 },
  retry: {
    maxAttempts: 3,
    baseMs: 250,
    maxMs: 10_000,
    jitter: "full",
    budget: 0.2,
    minPerSecond: 5,
    windowMs: 10_000,
    fixedDelayMs: 1000,
    maxQueue: 1000,
    priority: 0,
  },
  shed: { headroom: 0.6, pauseAtQueueAgeMs: 1000 },
};

/** Rules switched on or off by name, over a preset. */
export function withRules(preset: PresetName, overrides: Partial<Record<RuleId, boolean>>) {
  return { ...presetRules(preset), ...overrides };
}

/** Unless told otherwise, every lane below the top priority is background, lowest first. */
export function defaultShedLanes(lanes: readonly { name: string; priority: number }[]): string[] {
  const top = Math.min(...lanes.map((l) => l.priority));
  return lanes
    .filter((l) => l.priority > top)
    .sort((a, b) => b.priority - a.priority)
    .map((l) => l.name);
}

/**
 * A whole router config from its routes and lanes, with a preset's rules and the
 * default tunables; `parts` may override any of them (tests, the gateway mode).
 */
export function presetConfig(
  preset: PresetName,
  parts: Pick<RouterConfig, "classes" | "lanes"> & Partial<RouterConfig>,
): RouterConfig {
  const d = DEFAULT_TUNABLES;
  return {
    rules: presetRules(preset),
    headroom: d.headroom,
    cooldownMs: d.cooldownMs,
    routes: {},
    largePrompts: { ...d.largePrompts },
    tenants: { overrides: {} },
    health: { ...d.health },
    shift: { steps: [...d.shift.steps], stepMs: d.shift.stepMs },
    retry: { ...d.retry },
    shed: { ...d.shed, lanes: defaultShedLanes(parts.lanes) },
    ...parts,
  };
}
