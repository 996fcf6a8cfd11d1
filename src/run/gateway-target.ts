import { portkeyConfigsForScenario, portkeyRequestTimeoutMs } from "../gateway/portkey-config.js";
import type { RouteInfo } from "../metrics/recorder.js";
import { gatewayRoute, GATEWAY_VENDOR } from "../router/pass-through-router.js";
import { splitRouteId } from "../router/types.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import { InputError } from "../scenario/problems.js";
import type { GatewayKind, GatewayTarget } from "../upstream/gateway-upstream.js";
import type { FleetServer } from "./mock-fleet.js";

export interface GatewayOptions {
  url: string;
  kind: GatewayKind;
  /**
   * Portkey only: the user's own config per traffic class (what `gw-chaos
   * gateway-config portkey` writes, edited); built from the drill when absent.
   */
  configs?: Readonly<Record<string, unknown>>;
}

/**
 * What the harness asks a gateway for, per traffic class:
 * - portkey: the class's first model, with an `x-portkey-config` whose targets are
 *   the class's mocks (custom_host), falling back in the drill's order, with
 *   Portkey's retries and, per attempt, the first lane's timeout in wall time;
 * - openai-compatible (LiteLLM and the like): the class's name as the model, which
 *   the gateway's own config maps to the mocks (`gw-chaos gateway-config litellm`).
 */
export function gatewayTarget(
  scenario: ResolvedScenario,
  servers: readonly FleetServer[],
  gateway: GatewayOptions,
  /** The run's --speed: Portkey's timeout is wall time, the drill's scenario time. */
  speed: number,
): GatewayTarget {
  const classes = new Map<string, { model: string; headers?: Record<string, string> }>();
  if (gateway.kind === "openai-compatible") {
    for (const cls of Object.keys(scenario.router.classes)) classes.set(cls, { model: cls });
    return { url: gateway.url, classes };
  }
  const requestTimeoutMs = portkeyRequestTimeoutMs(scenario, speed);
  const configs =
    gateway.configs ??
    portkeyConfigsForScenario(scenario, servers, {
      strategy: "fallback",
      ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    });
  for (const [cls, routes] of Object.entries(scenario.router.classes)) {
    const config = configs[cls];
    if (config === undefined)
      throw new InputError([
        `--gateway-config: no Portkey config for traffic class "${cls}" (the drill's classes: ${Object.keys(scenario.router.classes).join(", ")})`,
      ]);
    const first = routes[0];
    classes.set(cls, {
      model: first ? splitRouteId(first).model : cls,
      headers: { "x-portkey-config": JSON.stringify(config) },
    });
  }
  return { url: gateway.url, classes };
}

/**
 * The harness's own requests to the gateway, one route per class, for the report:
 * its limits are what the class's routes allow together, its price the first
 * route's (which vendor served each answer only the mocks know, and they count
 * attempts, not tokens).
 */
export function gatewayRouteInfos(scenario: ResolvedScenario): RouteInfo[] {
  return Object.entries(scenario.router.classes).map(([cls, routes]) => {
    const specs = routes.map((id) => {
      const { vendor, model } = splitRouteId(id);
      const spec = scenario.vendors
        .find((v) => v.name === vendor)
        ?.models.find((m) => m.name === model);
      if (!spec) throw new Error(`route ${id} names no known model`);
      return spec;
    });
    const first = specs[0];
    if (!first) throw new Error(`class ${cls} has no routes`);
    return {
      id: gatewayRoute(cls),
      vendor: GATEWAY_VENDOR,
      model: cls,
      limits: {
        ...first.limits,
        rpm: specs.reduce((n, s) => n + s.limits.rpm, 0),
        tpm: specs.reduce((n, s) => n + s.limits.tpm, 0),
      },
      price: first.price,
    };
  });
}
