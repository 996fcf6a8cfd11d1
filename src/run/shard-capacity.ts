import type { RouterConfig } from "../router/types.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import type { ModelSpec, VendorSpec } from "../vendor/types.js";

/** A limit cut to one shard's part: rounded up, at least 1, so no shard gets none. */
const part = (limit: number, count: number) => Math.max(1, Math.ceil(limit / count));
const partOf = (limit: number | undefined, count: number) =>
  limit === undefined ? undefined : part(limit, count);

/** Keeps the fields that are set, so a cut limit is as absent as it was. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function modelPart(model: ModelSpec, count: number): ModelSpec {
  const l = model.limits;
  return {
    ...model,
    limits: defined({
      ...l,
      rpm: part(l.rpm, count),
      tpm: part(l.tpm, count),
      inputTpm: partOf(l.inputTpm, count),
      outputTpm: partOf(l.outputTpm, count),
      concurrent: partOf(l.concurrent, count),
      rpd: partOf(l.rpd, count),
    }),
  };
}

/** The embedded router's own budgets (P2 concurrency and spend, P11 tenant quotas), cut likewise. */
function routerPart(router: RouterConfig, count: number): RouterConfig {
  const quota = (q: { requestsPerMinute?: number; tokensPerMinute?: number }) =>
    defined({
      requestsPerMinute: partOf(q.requestsPerMinute, count),
      tokensPerMinute: partOf(q.tokensPerMinute, count),
    });
  return {
    ...router,
    routes: Object.fromEntries(
      Object.entries(router.routes).map(([id, options]) => [
        id,
        options &&
          defined({
            ...options,
            concurrency: partOf(options.concurrency, count),
            dailySpendUsd:
              options.dailySpendUsd === undefined ? undefined : options.dailySpendUsd / count,
          }),
      ]),
    ),
    tenants: {
      ...quota(router.tenants),
      overrides: Object.fromEntries(
        Object.entries(router.tenants.overrides).map(([name, q]) => [name, quota(q)]),
      ),
    },
  };
}

/**
 * A live shard's world (`--shard i/n`, live, embedded router): it sends only its share
 * of the traffic to its own mock vendors and router, so each vendor model's rate,
 * token, concurrency and daily limits, and the router's own budgets, are divided by n
 * (rounded up, at least 1). The n shards' worlds together then hold the capacity of
 * the one world of an unsharded run. In front of a gateway nothing is cut: the
 * gateway's upstreams are what they are, and each shard only sends its share.
 */
export function shardCapacity(scenario: ResolvedScenario, count: number): ResolvedScenario {
  if (count === 1) return scenario;
  const vendors: VendorSpec[] = scenario.vendors.map((v) => ({
    ...v,
    models: v.models.map((m) => modelPart(m, count)),
  }));
  return { ...scenario, vendors, router: routerPart(scenario.router, count) };
}
