import { describe, expect, it } from "vitest";
import { createRng } from "../../random/rng.js";
import { testVendor } from "../../test-support/test-specs.js";
import { VendorModel } from "../vendor-model.js";
import { liveFaultSchema, resolveFault, scenarioFaultSchema } from "./fault-kinds.js";

const ask = { model: "gpt-4o-mini", promptTokens: 100, maxTokens: 50, completionHint: 40 };

/** The refusal a vendor with one throttle fault (as written in a file) gives its first request. */
function refusalOf(fault: Record<string, unknown>) {
  const parsed = scenarioFaultSchema.parse({ kind: "throttle", vendor: "vendor-a", ...fault });
  const spec = resolveFault(parsed, "vendor-a", "f", 0, 600_000);
  return new VendorModel(testVendor(), [spec], createRng(1)).admit(ask, 0);
}

describe("throttle fault with a stated retryAfter", () => {
  it.each([
    ["0s", 0],
    [0, 0],
    ["120s", 120_000],
    ["1500ms", 1500],
    ["1h", 3_600_000],
  ])("retryAfter %o: the 429 asks exactly %d ms", (retryAfter, ms) => {
    expect(refusalOf({ retryAfter })).toMatchObject({
      kind: "throttle",
      retryAfterMs: ms,
      retryAfterStated: true,
    });
  });

  it("without retryAfter asks about a second, as before, and says nothing was stated", () => {
    const refusal = refusalOf({});
    expect(refusal).toMatchObject({ kind: "throttle", retryAfterMs: 1000 });
    expect(refusal).not.toHaveProperty("retryAfterStated");
  });

  it("is refused above an hour, negative or not a duration, in files and over the control API", () => {
    for (const schema of [scenarioFaultSchema, liveFaultSchema]) {
      for (const retryAfter of ["2h", "61m", -1, "soon", "10%"]) {
        const result = schema.safeParse({ kind: "throttle", vendor: "v", retryAfter });
        expect(result.success).toBe(false);
      }
      expect(schema.safeParse({ kind: "throttle", vendor: "v", retryAfter: "0s" }).success).toBe(
        true,
      );
    }
    // A field of throttle only: a 503 has no Retry-After to state.
    expect(liveFaultSchema.safeParse({ kind: "overload", retryAfter: "1s" }).success).toBe(false);
    expect(
      scenarioFaultSchema.safeParse({ kind: "throttle", vendor: "v", retryAfter: "2h" }).error
        ?.issues[0]?.message,
    ).toBe("expected a Retry-After of at most 1h");
  });
});
