/**
 * Every attempt's result in a few categories (P5), so the router reacts to what
 * happened, not to one vendor's status codes. A 429 means slow down, not give up.
 */
export type ErrorCategory =
  | "throttled"
  | "overloaded"
  | "server-error"
  | "timeout"
  | "connection"
  | "stream-error"
  | "bad-request";

/** What went wrong below HTTP, when something did. */
export type TransportFailure = "timeout" | "connection" | "stream-error";

export function categorise(
  status: number,
  transport?: TransportFailure,
): ErrorCategory | undefined {
  if (transport) return transport;
  if (status >= 200 && status < 300) return undefined;
  if (status === 429) return "throttled";
  if (status === 503 || status === 529) return "overloaded";
  if (status === 408 || status === 504) return "timeout";
  if (status >= 500) return "server-error";
  return "bad-request";
}

/** Whether another attempt may help: everything but a request the vendor rejected. */
export function isRetryable(category: ErrorCategory): boolean {
  return category !== "bad-request";
}
