import type { RouterConfig } from "../router/types.js";
import { routeId } from "../router/types.js";
import type { FleetServer } from "../run/mock-fleet.js";
import { InputError } from "../scenario/input-error.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import type { WireFormatName } from "../vendor/types.js";
import { AZURE_API_VERSION } from "../vendor/wire/azure.js";
import { REQUEST_ID_HEADER } from "../findings/vendor-attempt.js";
import { classRoutes, FAKE_API_KEY, type GatewayRoute } from "./gateway-routes.js";

/**
 * The config a client sends in the `x-portkey-config` header to the open-source
 * Portkey gateway (@portkey-ai/gateway), built from one traffic class of a drill.
 * Key names follow the gateway's own schema (src/middlewares/requestValidator/
 * schema/config.ts) and how it reads them (src/handlers/handlerUtils.ts,
 * src/handlers/retryHandler.ts), as of gateway 1.15.
 */

export type PortkeyStrategy = "fallback" | "loadbalance";

export interface PortkeyRetry {
  /** Retries after the first try of a target (Portkey's `attempts`: 3 means up to 4 tries). */
  attempts: number;
  onStatusCodes: number[];
  /** Wait what a 429's retry-after(-ms) asks instead of Portkey's backoff (off by default). */
  useRetryAfterHeader?: boolean;
}

export interface PortkeyConfigInput {
  /** The class's routes, in the drill's order (its order of preference). */
  routes: readonly Pick<GatewayRoute, "vendor" | "model" | "format" | "baseUrl">[];
  strategy: PortkeyStrategy;
  /** Absent: DEFAULT_PORTKEY_RETRY. `attempts: 0` writes no retry block (Portkey does not retry). */
  retry?: PortkeyRetry;
  /** Per-attempt timeout; Portkey answers 408 when it runs out. Absent: Portkey waits forever. */
  requestTimeoutMs?: number;
  /** loadbalance only: one weight per route; equal when absent. */
  weights?: readonly number[];
}

export interface PortkeyTarget {
  provider: string;
  custom_host: string;
  api_key: string;
  override_params: { model: string };
  forward_headers: string[];
  weight?: number;
  /** Azure OpenAI only: the deployment in the path, and the api-version query. */
  deployment_id?: string;
  api_version?: string;
}

export interface PortkeyConfig {
  strategy: { mode: PortkeyStrategy; on_status_codes?: number[] };
  targets: PortkeyTarget[];
  retry?: { attempts: number; on_status_codes: number[]; use_retry_after_header?: boolean };
  request_timeout?: number;
}

/**
 * Portkey's own retry codes (RETRY_STATUS_CODES in its globals.ts). 529, Anthropic's
 * overload, is not among them: a target that answers 529 is not retried, only
 * failed over.
 */
export const PORTKEY_RETRY_STATUS_CODES = [429, 500, 502, 503, 504];

/**
 * What a config says when the caller gives no retry: three retries on Portkey's
 * default codes, the docs' basic retry example. (Portkey itself, given no retry
 * block, does not retry at all; pass `attempts: 0` to test that.)
 */
export const DEFAULT_PORTKEY_RETRY: PortkeyRetry = {
  attempts: 3,
  onStatusCodes: PORTKEY_RETRY_STATUS_CODES,
};

/** Answers that move a fallback to the next target: throttling, overload, server errors. */
export const FALLBACK_STATUS_CODES = [429, 500, 502, 503, 504, 529];

/** The status Portkey gives an attempt that ran past request_timeout. */
const PORTKEY_TIMEOUT_STATUS = 408;

/**
 * How a mock of each wire format is reached: Portkey's provider, and the path after
 * the mock's origin that stands in for the provider's base URL (custom_host replaces
 * it whole, and the provider appends its endpoint: /chat/completions, /messages,
 * /v1beta/models/{model}:generateContent, /deployments/{id}/chat/completions).
 */
const PROVIDERS: Record<WireFormatName, { provider: string; hostPath: string } | undefined> = {
  openai: { provider: "openai", hostPath: "/v1" },
  // custom_host stands for https://{resource}.openai.azure.com/openai.
  azure: { provider: "azure-openai", hostPath: "/openai" },
  anthropic: { provider: "anthropic", hostPath: "/v1" },
  // Portkey's "google" is Gemini (AI Studio); its endpoint carries /v1beta itself.
  gemini: { provider: "google", hostPath: "" },
  bedrock: undefined,
};

export function portkeyConfig(input: PortkeyConfigInput): PortkeyConfig {
  if (input.routes.length === 0) throw new InputError(["portkey: a class with no routes"]);
  const weights = input.strategy === "loadbalance" ? checkedWeights(input) : undefined;
  const targets = input.routes.map((route, i) => ({
    ...portkeyTarget(route),
    ...(weights ? { weight: weights[i]! } : {}),
  }));
  const retry = input.retry ?? DEFAULT_PORTKEY_RETRY;
  if (!Number.isInteger(retry.attempts) || retry.attempts < 0) {
    throw new InputError([
      `portkey: retry attempts must be a whole number, 0 or more (got ${retry.attempts})`,
    ]);
  }
  const timeout = input.requestTimeoutMs;
  return {
    strategy:
      input.strategy === "fallback"
        ? {
            mode: "fallback",
            // A timed-out attempt (408 from Portkey) fails over too, as a stall should (P9).
            on_status_codes:
              timeout === undefined
                ? FALLBACK_STATUS_CODES
                : [PORTKEY_TIMEOUT_STATUS, ...FALLBACK_STATUS_CODES],
          }
        : // A load balancer picks one target per request and does not fail over.
          { mode: "loadbalance" },
    targets,
    // At the top level, so every target inherits it (handlerUtils' tryTargetsRecursively).
    ...(retry.attempts > 0
      ? {
          retry: {
            attempts: retry.attempts,
            on_status_codes: [...retry.onStatusCodes],
            ...(retry.useRetryAfterHeader !== undefined
              ? { use_retry_after_header: retry.useRetryAfterHeader }
              : {}),
          },
        }
      : {}),
    ...(timeout !== undefined ? { request_timeout: timeout } : {}),
  };
}

function portkeyTarget(route: PortkeyConfigInput["routes"][number]): PortkeyTarget {
  const provider = PROVIDERS[route.format];
  if (!provider) {
    throw new InputError([
      `portkey: route ${routeId(route.vendor, route.model)} speaks ${route.format}, and gw-chaos ` +
        "cannot write a Portkey target for a Bedrock mock (Portkey's Bedrock provider signs for AWS, " +
        "not a custom_host); leave Bedrock vendors out of a drill run through Portkey",
    ]);
  }
  return {
    provider: provider.provider,
    custom_host: `${new URL(route.baseUrl).origin}${provider.hostPath}`,
    api_key: FAKE_API_KEY,
    override_params: { model: route.model },
    // So the mocks see which client request (and which client try) each attempt serves.
    forward_headers: [REQUEST_ID_HEADER],
    ...(route.format === "azure"
      ? { deployment_id: route.model, api_version: AZURE_API_VERSION }
      : {}),
  };
}

function checkedWeights(input: PortkeyConfigInput): number[] {
  const weights = input.weights ?? input.routes.map(() => 1);
  if (weights.length !== input.routes.length) {
    throw new InputError([
      `portkey: ${weights.length} weights for ${input.routes.length} routes; give one per route`,
    ]);
  }
  if (weights.some((w) => !Number.isFinite(w) || w < 0) || weights.every((w) => w === 0)) {
    throw new InputError([
      `portkey: weights must be 0 or more, and not all 0 (got ${weights.join(", ")})`,
    ]);
  }
  return [...weights];
}

/**
 * Portkey's per-attempt timeout for a drill: its first lane's timeout, in wall ms at
 * the run's speed (Portkey keeps wall time; the drill, scenario time).
 */
export function portkeyRequestTimeoutMs(
  scenario: Pick<ResolvedScenario, "router">,
  speed: number,
): number | undefined {
  const first = [...scenario.router.lanes].sort((a, b) => a.priority - b.priority)[0];
  return first === undefined ? undefined : Math.max(1, Math.round(first.timeoutMs / speed));
}

export interface PortkeyScenarioOptions {
  strategy: PortkeyStrategy;
  retry?: PortkeyRetry;
  requestTimeoutMs?: number;
}

/**
 * One Portkey config per traffic class of the drill, keyed by class name: what
 * `gw-chaos gateway-config portkey` prints and `--gateway-config` reads back. A
 * loadbalance config weighs each route by its `share` in the drill's router
 * section, equally where none is set.
 */
export function portkeyConfigsForScenario(
  scenario: Pick<ResolvedScenario, "router" | "vendors">,
  servers: readonly FleetServer[],
  options: PortkeyScenarioOptions,
): Record<string, PortkeyConfig> {
  const configs: Record<string, PortkeyConfig> = {};
  for (const [name, routes] of classRoutes(scenario, servers)) {
    configs[name] = portkeyConfig({
      routes,
      strategy: options.strategy,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.requestTimeoutMs !== undefined
        ? { requestTimeoutMs: options.requestTimeoutMs }
        : {}),
      ...(options.strategy === "loadbalance"
        ? { weights: shareWeights(scenario.router, routes) }
        : {}),
    });
  }
  return configs;
}

/**
 * Each route's `share` of the class; routes without one split what the others
 * leave equally (all equal when none has a share).
 */
function shareWeights(router: RouterConfig, routes: readonly GatewayRoute[]): number[] {
  const shares = routes.map((r) => router.routes[routeId(r.vendor, r.model)]?.share);
  const unset = shares.filter((s) => s === undefined).length;
  if (unset === routes.length) return routes.map(() => 1);
  const left = Math.max(0, 1 - shares.reduce<number>((sum, s) => sum + (s ?? 0), 0));
  return shares.map((s) => s ?? (unset > 0 ? left / unset : 0));
}
