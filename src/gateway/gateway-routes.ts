import { type RouteId, splitRouteId } from "../router/types.js";
import type { FleetServer } from "../run/mock-fleet.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import type { ModelSpec, WireFormatName } from "../vendor/types.js";
import { FORMAT_NAMES } from "../vendor/wire/formats.js";

/**
 * The key a gateway sends to every mock. The mocks accept any non-empty key, and a
 * fixed fake one makes it plain that no real vendor key belongs in these files.
 */
export const FAKE_API_KEY = "sk-gw-chaos-mock-key";

/** One route of a traffic class, as a gateway needs it: who, which model, where. */
export interface GatewayRoute {
  vendor: string;
  model: string;
  format: WireFormatName;
  /** The mock's base URL, as `gw-chaos mock` prints it (e.g. http://127.0.0.1:4100/v1). */
  baseUrl: string;
  /** The model's limits in the vendor profile, where known (LiteLLM's rpm/tpm). */
  limits?: ModelSpec["limits"];
}

/**
 * Every traffic class of the drill's router section with its routes in the drill's
 * order (its order of preference), each joined to the mock that serves it.
 */
export function classRoutes(
  scenario: Pick<ResolvedScenario, "router" | "vendors">,
  servers: readonly FleetServer[],
): Map<string, GatewayRoute[]> {
  const classes = new Map<string, GatewayRoute[]>();
  for (const [name, ids] of Object.entries(scenario.router.classes)) {
    classes.set(
      name,
      ids.map((id) => gatewayRoute(id, scenario, servers)),
    );
  }
  return classes;
}

function gatewayRoute(
  id: RouteId,
  scenario: Pick<ResolvedScenario, "vendors">,
  servers: readonly FleetServer[],
): GatewayRoute {
  const { vendor, model } = splitRouteId(id);
  const server = servers.find((s) => s.vendor === vendor);
  // The loader checks that every route names a vendor of the drill; a missing
  // server means the caller passed servers of another drill.
  if (!server) throw new Error(`route ${id}: no mock server for vendor ${vendor}`);
  if (!isFormatName(server.format)) {
    throw new Error(`route ${id}: unknown wire format ${server.format}`);
  }
  const limits = scenario.vendors
    .find((v) => v.name === vendor)
    ?.models.find((m) => m.name === model)?.limits;
  return {
    vendor,
    model,
    format: server.format,
    baseUrl: server.baseUrl,
    ...(limits ? { limits } : {}),
  };
}

function isFormatName(name: string): name is WireFormatName {
  return (FORMAT_NAMES as string[]).includes(name);
}
