import { z } from "zod";
import { PRESET_NAMES } from "../router/presets.js";
import { RULE_IDS } from "../router/types.js";
import { durationSchema, positiveDurationSchema } from "./schema-parts.js";

const ROUTE_PATTERN = /^[^/\s]+\/[^\s]+$/;
const routeKey = z.string().regex(ROUTE_PATTERN, { error: 'expected a route "vendor/model"' });
const share = z.number().min(0).max(1);
const perMinute = z.number().positive();

export const laneSchema = z.strictObject({
  priority: z.number().int().nonnegative().describe("0 is served first"),
  waitBudget: durationSchema.describe("longest wait in the queue before the first send (P9)"),
  maxQueue: z.number().int().positive().describe("queue bound; beyond it requests are shed"),
  timeout: positiveDurationSchema.describe("per-attempt timeout"),
  deadline: positiveDurationSchema.describe("longest time from intended start to an answer"),
});

const rulesSchema = z
  .strictObject(Object.fromEntries(RULE_IDS.map((id) => [id, z.boolean().optional()])))
  .describe("switch single playbook rules on or off over the preset, e.g. { P16: false }");

const routeOptionsSchema = z.strictObject({
  share: share.optional().describe("steady share of its class's traffic the route carries (P7)"),
  concurrency: z.number().int().positive().optional().describe("concurrent calls it takes (P2)"),
  dailySpendUsd: z.number().positive().optional().describe("spend per day it may run up (P2)"),
});

const tenantLimits = z.strictObject({
  requestsPerMinute: perMinute.optional(),
  tokensPerMinute: perMinute.optional(),
});

/**
 * The router config: which routes are equivalent, how traffic is budgeted, and the
 * tunables of each playbook rule. Anything left out comes from the preset.
 */
export const routerConfigSchema = z.strictObject({
  preset: z
    .enum(PRESET_NAMES)
    .optional()
    .describe("playbook (every rule on, the default) or naive (every rule off)"),
  rules: rulesSchema.optional(),
  headroom: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .describe("share of a stated limit the router plans to use (P6); default 0.85"),
  cooldown: durationSchema
    .optional()
    .describe("cooldown after a 429 that carries no Retry-After (P5, P14); default 1s"),
  classes: z
    .record(z.string().min(1), z.array(routeKey).min(1))
    .describe("equivalence classes: routes in order of preference (P12)"),
  routes: z.record(routeKey, routeOptionsSchema).optional(),
  lanes: z.record(z.string().min(1), laneSchema).describe("queues with their priority (P8, P9)"),
  largePrompts: z
    .strictObject({
      threshold: z.number().int().positive().optional().describe("prompt tokens; default 8000"),
      share: share.optional().describe("of a route's token budget; default 0.5"),
    })
    .optional()
    .describe("large prompts' own budget (P10)"),
  tenants: tenantLimits
    .extend({ overrides: z.record(z.string().min(1), tenantLimits).optional() })
    .optional()
    .describe("per-tenant quotas (P11)"),
  health: z
    .strictObject({
      throttleBurst: z.number().int().positive().optional().describe("429s in a window; default 5"),
      errorSpike: z.number().int().positive().optional().describe("errors in a window; default 5"),
      window: positiveDurationSchema.optional().describe("default 10s"),
      slowFactor: z.number().gt(1).optional().describe("recent/usual latency; default 3"),
      baseline: positiveDurationSchema
        .optional()
        .describe("usual latency: the best tenth of this window; default 10m"),
      open: positiveDurationSchema.optional().describe("no fresh sends for this long; default 30s"),
      probes: z.number().int().positive().optional().describe("probes at once; default 1"),
    })
    .optional()
    .describe("when a route opens (P13, P14)"),
  shift: z
    .strictObject({
      steps: z
        .array(z.number().gt(0).max(1))
        .min(1)
        .optional()
        .describe("default [0.1,0.25,0.5,1]"),
      step: positiveDurationSchema.optional().describe("how long each step holds; default 10s"),
    })
    .optional()
    .describe("traffic moved in steps (P17)"),
  retry: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(10).optional().describe("default 3"),
      base: durationSchema.optional().describe("first backoff step; default 250ms"),
      max: durationSchema.optional().describe("longest backoff; default 10s"),
      jitter: z.enum(["full", "decorrelated"]).optional().describe("default full"),
      budget: z.number().min(0).optional().describe("retries per fresh request; default 0.2"),
      minPerSecond: z.number().min(0).optional().describe("retries always allowed; default 5"),
      window: positiveDurationSchema.optional().describe("of the retry budget; default 10s"),
      fixedDelay: durationSchema.optional().describe("the shared delay with P18 off; default 1s"),
      maxQueue: z.number().int().positive().optional().describe("retry queue bound; default 1000"),
      priority: z.number().int().nonnegative().optional().describe("served among lanes; default 0"),
    })
    .optional()
    .describe("retries (P18) and their queue (P8)"),
  shed: z
    .strictObject({
      lanes: z.array(z.string().min(1)).optional().describe("paused first, in order"),
      headroom: z.number().gt(0).max(1).optional().describe("their headroom; default 0.6"),
      pauseAtQueueAge: durationSchema.optional().describe("default 1s"),
    })
    .optional()
    .describe("background work shed first (P19)"),
});

export type RouterConfigFile = z.output<typeof routerConfigSchema>;
