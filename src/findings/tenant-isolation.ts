import type { Finding, FindingsInput } from "./finding.js";
import { count, rounded } from "./finding.js";

const LIMIT = 0.95;

/**
 * P11: per-tenant quotas, so one busy account cannot drain shared capacity. The
 * busiest tenant by requests is taken for the noisy one; the others must still
 * be served: the lowest ok rate among them.
 */
export function tenantIsolation(tenants: FindingsInput["tenants"]): Finding {
  const base = { id: "tenantIsolation", rule: "P11" };
  const active = Object.entries(tenants)
    .filter(([, t]) => t.requests > 0)
    .sort(([a, x], [b, y]) => y.requests - x.requests || a.localeCompare(b));
  if (active.length < 2)
    return { ...base, ok: true, value: null, summary: "fewer than two tenants sent requests" };
  const [noisy, noisyStats] = active[0]!;
  let worst = active[1]!;
  for (const entry of active.slice(2))
    if (entry[1].ok / entry[1].requests < worst[1].ok / worst[1].requests) worst = entry;
  const [name, stats] = worst;
  const value = rounded(stats.ok / stats.requests);
  return {
    ...base,
    ok: value >= LIMIT,
    value,
    summary:
      `busiest tenant ${noisy} (${count(noisyStats.requests)} requests, ${((noisyStats.ok / noisyStats.requests) * 100).toFixed(1)}% ok); ` +
      `the worst served of the others, ${name}, got ${(value * 100).toFixed(1)}% of ${count(stats.requests)} answered` +
      (value >= LIMIT ? "" : ` (under ${LIMIT * 100}%: the busy tenant drained shared capacity)`),
  };
}
