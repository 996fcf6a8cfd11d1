import { RollingSum } from "./rolling-sum.js";
import type { RouterConfig } from "./types.js";

const MINUTE_MS = 60_000;

interface TenantUse {
  requests: RollingSum;
  tokens: RollingSum;
  limits: { requestsPerMinute?: number; tokensPerMinute?: number };
}

/**
 * Per-tenant quotas (P11): requests and tokens each tenant may bring per minute,
 * over a rolling minute, so one busy account cannot drain capacity the others share.
 */
export class TenantQuotas {
  private readonly tenants = new Map<string, TenantUse>();

  constructor(private readonly config: RouterConfig["tenants"]) {}

  /** Takes a request into its tenant's quota, or returns false if it would not fit. */
  admit(tenant: string, tokens: number, nowMs: number): boolean {
    const use = this.use(tenant);
    const { requestsPerMinute, tokensPerMinute } = use.limits;
    if (requestsPerMinute !== undefined && use.requests.sum(nowMs) + 1 > requestsPerMinute)
      return false;
    if (tokensPerMinute !== undefined && use.tokens.sum(nowMs) + tokens > tokensPerMinute)
      return false;
    use.requests.add(nowMs, 1);
    use.tokens.add(nowMs, tokens);
    return true;
  }

  private use(tenant: string): TenantUse {
    let use = this.tenants.get(tenant);
    if (!use) {
      const own = this.config.overrides[tenant] ?? {};
      use = {
        requests: new RollingSum(MINUTE_MS, 12),
        tokens: new RollingSum(MINUTE_MS, 12),
        limits: {
          ...(this.config.requestsPerMinute !== undefined
            ? { requestsPerMinute: this.config.requestsPerMinute }
            : {}),
          ...(this.config.tokensPerMinute !== undefined
            ? { tokensPerMinute: this.config.tokensPerMinute }
            : {}),
          ...own,
        },
      };
      this.tenants.set(tenant, use);
    }
    return use;
  }
}
