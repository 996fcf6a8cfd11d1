import type { ArrivalSpec } from "./types.js";

/** Every tenant the traffic names, for thresholds scoped to one. */
export function trafficTenants(traffic: readonly ArrivalSpec[]): string[] {
  const names = new Set<string>();
  for (const a of traffic) {
    if (a.type === "replay") for (const r of a.requests) names.add(r.tenant);
    else if (a.tenants) for (const t of a.tenants) names.add(t.name);
    else names.add(a.tenant);
  }
  return [...names].sort();
}
