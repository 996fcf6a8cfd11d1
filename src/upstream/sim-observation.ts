import type { BudgetObservation, LimitObservation } from "../router/rate-limit-headers.js";
import type { BudgetSnapshot, LimitState } from "../vendor/vendor-model.js";
import type { WireFormat } from "../vendor/wire/wire-format.js";

/**
 * Sim mode's shortcut past the header text: what the router reads from the budget
 * headers a wire format writes, made straight from the vendor's budget. Formatting
 * numbers and durations into text and parsing them back was a seventh of a sim
 * run's time. Only for formats whose reading is exact to state here (OpenAI's
 * x-ratelimit-*: integers, and Go durations that carry whole milliseconds); a
 * property test holds it equal to writing and reading the headers. Undefined for
 * the others: the router then reads the headers as in live mode.
 */
export function simBudgetObservation(
  format: WireFormat,
  budget: BudgetSnapshot,
): BudgetObservation | undefined {
  if (format.name !== "openai") return undefined;
  const observation: BudgetObservation = {};
  const requests = openAiLimit(budget.requests);
  if (requests) observation.requests = requests;
  const tokens = openAiLimit(budget.tokens);
  if (tokens) observation.tokens = tokens;
  return observation;
}

/** When a vendor states no reset the router can read, a per-minute limit refills within a minute. */
const UNREADABLE_RESET_MS = 60_000;

/** One x-ratelimit-* triple as read back: a limit that is not a positive number says nothing. */
function openAiLimit(state: LimitState): LimitObservation | undefined {
  const { limit, remaining, resetMs } = state;
  if (!(limit > 0) || !Number.isFinite(limit)) return undefined;
  const left = Math.max(0, remaining);
  if (!Number.isFinite(left)) return undefined;
  return {
    limit,
    remaining: left,
    // formatGoDuration writes whole milliseconds ("0s" for none left), read back exactly.
    resetMs: !Number.isFinite(resetMs)
      ? UNREADABLE_RESET_MS
      : resetMs <= 0
        ? 0
        : Math.round(resetMs),
  };
}
