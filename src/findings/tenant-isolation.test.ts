import { describe, expect, it } from "vitest";
import { tenantIsolation } from "./tenant-isolation.js";

describe("tenantIsolation (P11)", () => {
  it("fails when a quieter tenant is starved while the busiest floods", () => {
    const f = tenantIsolation({
      bulk: { requests: 6_000, ok: 900 },
      quiet: { requests: 1_000, ok: 990 },
      small: { requests: 500, ok: 400 },
    });
    expect(f).toMatchObject({ rule: "P11", ok: false, value: 0.8 });
    expect(f.summary).toMatch(/busiest tenant bulk .* small, got 80\.0%/);
  });

  it("passes when every other tenant is served, whatever the busiest one gets", () => {
    const f = tenantIsolation({
      bulk: { requests: 6_000, ok: 900 },
      quiet: { requests: 1_000, ok: 990 },
      small: { requests: 500, ok: 499 },
    });
    expect(f).toMatchObject({ ok: true, value: 0.99 });
  });

  it("is null with fewer than two tenants sending", () => {
    expect(tenantIsolation({ only: { requests: 10, ok: 1 } }).value).toBeNull();
    expect(
      tenantIsolation({ only: { requests: 10, ok: 1 }, idle: { requests: 0, ok: 0 } }).value,
    ).toBeNull();
  });
});
