import type { FleetServer } from "../run/mock-fleet.js";
import type { VendorSpec } from "../vendor/types.js";
import { formatFor } from "../vendor/wire/formats.js";

/**
 * The mocks' first port in a config `gateway-config` writes, and so where `run
 * --gateway` puts them for a gateway configured from a file, unless --port-base says.
 */
export const DEFAULT_GATEWAY_CONFIG_PORT_BASE = 4100;

/**
 * Where `gw-chaos mock <drill> --port-base N` will listen, worked out without
 * starting anything: vendor i of the drill gets port N + i, and its base URL is
 * the origin plus its wire format's basePath (what an official SDK takes as its
 * base URL). A gateway config written from these names the same URLs the mocks
 * print when they start (a test starts them and compares).
 */
export function plannedMockServers(
  vendors: readonly VendorSpec[],
  host: string,
  portBase: number,
): FleetServer[] {
  return vendors.map((vendor, i) => {
    const origin = mockOrigin(host, portBase + i);
    return {
      vendor: vendor.name,
      format: vendor.format,
      baseUrl: `${origin}${formatFor(vendor.format).basePath}`,
      origin,
    };
  });
}

/** http://host:port, an IPv6 host in brackets (as node:http's mock server names itself). */
export function mockOrigin(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
