import type { ModelSpec, VendorSpec } from "./types.js";

/**
 * Room that no warm-up can use up. A small integer to V8 (under 2^30), as the
 * limits a profile states mostly are: a larger number stored where those hold
 * small integers would move the real specs' objects to another layout.
 */
const ROOM = 1_000_000_000;
/** Fast enough that an answer is due at once, slow enough to go through the clock. */
const WARM_UP_TOKENS_PER_SECOND = 1_000_000;

/**
 * A copy with room in every one of `keys` the original sets. The copy has the
 * original's fields in its order, and none it lacks: the code that warms up on it
 * then meets the same object layouts in the run.
 */
function withRoom<T extends object>(original: T, keys: readonly (keyof T)[]): T {
  const copy = { ...original };
  for (const key of keys) if (copy[key] !== undefined) (copy[key] as unknown) = ROOM;
  return copy;
}

function warmUpModel(model: ModelSpec): ModelSpec {
  const latency = withRoom(model.latency, ["halfSpeedAt"]);
  latency.ttftMedianMs = 0;
  latency.ttftSigma = 0;
  latency.tokensPerSecond = WARM_UP_TOKENS_PER_SECOND;
  return {
    ...model,
    limits: withRoom(model.limits, ["rpm", "tpm", "inputTpm", "outputTpm", "concurrent", "rpd"]),
    latency,
  };
}

/**
 * The vendor as a warm-up call meets it: the same models and wire format, with
 * room for any load and answers at once. A mock serves warm-up calls from a model
 * of its own built on this, so the run's budgets, faults and logs never see them.
 */
export function warmUpSpec(spec: VendorSpec): VendorSpec {
  return { ...spec, models: spec.models.map(warmUpModel) };
}
