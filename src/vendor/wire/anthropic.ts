import type { BudgetSnapshot, LimitState } from "../vendor-model.js";
import {
  answerText,
  type Completion,
  contentChars,
  estimateTokens,
  type Refusal,
  type RequestHeaders,
  retryAfterSeconds,
  SSE_HEADERS,
  type StreamWriter,
  tokenText,
  type WireFormat,
  type WireRequest,
  type WireResponse,
} from "./wire-format.js";

/**
 * Anthropic's Messages API (VENDOR-WIRE.md): `POST /v1/messages`, `x-api-key`.
 * The SDK's baseURL is the bare origin, so the path carries the /v1.
 */
export const MESSAGES_PATH = "/v1/messages";

/** FNV-1a, 32 bits: a stable id for errors that have no completion to name them. */
function fnv1a(text: string, seed = 0x811c9dc5): string {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** A request id with no randomness: the same refusal at the same instant gets the same id. */
function errorRequestId(seed: string): string {
  return `req_${fnv1a(seed)}${fnv1a(seed, 0x01000193)}${fnv1a(seed, 0x2545f491)}`;
}

/** Anthropic's message ids start "msg_"; the harness's ids are kept as the suffix. */
export function messageId(c: Completion): string {
  return c.id.startsWith("msg_") ? c.id : `msg_${c.id}`;
}

/** The request id of an answer follows from its message id, so runs replay byte for byte. */
export function requestId(c: Completion): string {
  return `req_${messageId(c).slice("msg_".length)}`;
}

function errorResponse(
  status: number,
  type: string,
  message: string,
  reqId: string,
  headers: Record<string, string> = {},
): WireResponse {
  return {
    status,
    // Object.assign, not a spread into a literal: many times faster in V8.
    headers: Object.assign({ "content-type": "application/json", "request-id": reqId }, headers),
    body: JSON.stringify({ type: "error", error: { type, message }, request_id: reqId }),
  };
}

/** A 400 whose id comes from its message (parse errors have nothing else to go on). */
const invalid = (message: string) =>
  errorResponse(400, "invalid_request_error", message, errorRequestId(`400:${message}`));

/**
 * RFC 3339 without fractions, as Anthropic sends it. Rounded up to the whole
 * second: a client that sleeps until the stated reset must not wake early.
 */
export function rfc3339(epochMs: number): string {
  const seconds = Math.ceil(epochMs / 1000);
  let text = RFC3339_SECONDS.get(seconds);
  if (text === undefined) {
    text = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    // Answers within a second or so share their resets: a few hundred seconds kept.
    if (RFC3339_SECONDS.size >= 256) RFC3339_SECONDS.clear();
    RFC3339_SECONDS.set(seconds, text);
  }
  return text;
}
const RFC3339_SECONDS = new Map<number, string>();

/** Token counts are stated to the thousand, rounded down (never promise tokens not there). */
function roundedTokens(remaining: number): number {
  return Math.max(0, Math.floor(remaining / 1000) * 1000);
}

const atLeastZero = (remaining: number) => Math.max(0, remaining);

/** Each family's header names (limit, remaining, reset), built once. */
const [REQUESTS, TOKENS, INPUT_TOKENS, OUTPUT_TOKENS] = [
  "requests",
  "tokens",
  "input-tokens",
  "output-tokens",
].map(
  (name) =>
    [
      `anthropic-ratelimit-${name}-limit`,
      `anthropic-ratelimit-${name}-remaining`,
      `anthropic-ratelimit-${name}-reset`,
    ] as const,
) as [Names, Names, Names, Names];
type Names = readonly [limit: string, remaining: string, reset: string];

function addLimitHeaders(
  out: Record<string, string>,
  [limit, remaining, reset]: Names,
  state: LimitState,
  nowEpochMs: number,
  round: (remaining: number) => number,
): void {
  out[limit] = String(state.limit);
  out[remaining] = String(round(state.remaining));
  out[reset] = rfc3339(nowEpochMs + Math.max(0, state.resetMs));
}

/**
 * anthropic-ratelimit-* headers for requests, tokens, input and output tokens.
 * Input and output fall back to the combined bucket when the vendor model does
 * not split them, so clients always see all four families. Written into one
 * object under names built once: spreading an object per family, its names made
 * afresh each time, cost about 20 us an answer.
 */
export function anthropicBudgetHeaders(
  budget: BudgetSnapshot,
  nowEpochMs: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  addLimitHeaders(out, REQUESTS, budget.requests, nowEpochMs, atLeastZero);
  addLimitHeaders(out, TOKENS, budget.tokens, nowEpochMs, roundedTokens);
  const input = budget.inputTokens ?? budget.tokens;
  addLimitHeaders(out, INPUT_TOKENS, input, nowEpochMs, roundedTokens);
  const output = budget.outputTokens ?? budget.tokens;
  addLimitHeaders(out, OUTPUT_TOKENS, output, nowEpochMs, roundedTokens);
  return out;
}

/** Text of a `system` value: a string or a list of text blocks; undefined when malformed. */
function systemChars(system: unknown): number | undefined {
  if (system === undefined) return 0;
  if (typeof system === "string") return system.length;
  if (!Array.isArray(system)) return undefined;
  for (const block of system) {
    const b = block as { type?: unknown; text?: unknown } | null;
    if (b?.type !== "text" || typeof b.text !== "string") return undefined;
  }
  return contentChars(system);
}

/**
 * Checks one message and counts its text; a string is the error message.
 * Non-text blocks (images, tool results) pass but count nothing: the mock only
 * sizes prompts, it does not read them.
 */
function messageChars(message: unknown, index: number): number | string {
  if (!message || typeof message !== "object") {
    return `messages.${index}: Input should be a valid dictionary`;
  }
  const { role, content } = message as { role?: unknown; content?: unknown };
  if (role === "system") {
    // The mistake of a client ported from OpenAI; Anthropic names it outright.
    return 'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.';
  }
  if (role !== "user" && role !== "assistant") {
    return `messages.${index}.role: Input should be 'user' or 'assistant'`;
  }
  if (typeof content === "string") return content.length;
  if (!Array.isArray(content)) return `messages.${index}.content: Field required`;
  for (const [j, block] of content.entries()) {
    const b = block as { type?: unknown; text?: unknown } | null;
    if (typeof b?.type !== "string") return `messages.${index}.content.${j}.type: Field required`;
    if (b.type === "text" && typeof b.text !== "string") {
      return `messages.${index}.content.${j}.text: Field required`;
    }
  }
  return contentChars(content);
}

export function parseAnthropicRequest(body: unknown): WireRequest | WireResponse {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return invalid("There was an error parsing the body: expected a JSON object");
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model === "") return invalid("model: Field required");
  // Unlike OpenAI, the cap is mandatory: SDKs refuse to build a request without it.
  if (b.max_tokens === undefined || b.max_tokens === null) {
    return invalid("max_tokens: Field required");
  }
  if (typeof b.max_tokens !== "number" || !Number.isInteger(b.max_tokens)) {
    return invalid("max_tokens: Input should be a valid integer");
  }
  if (b.max_tokens < 1) return invalid("max_tokens: Input should be greater than or equal to 1");
  if (!Array.isArray(b.messages)) return invalid("messages: Field required");
  if (b.messages.length === 0) return invalid("messages: at least one message is required");
  let chars = systemChars(b.system);
  if (chars === undefined) return invalid("system: Input should be a valid string or list");
  for (const [i, message] of b.messages.entries()) {
    const counted = messageChars(message, i);
    if (typeof counted === "string") return invalid(counted);
    chars += counted;
  }
  if (b.stream !== undefined && typeof b.stream !== "boolean") {
    return invalid("stream: Input should be a valid boolean");
  }
  return {
    model: b.model,
    promptTokens: estimateTokens(chars),
    maxTokens: b.max_tokens,
    stream: b.stream === true,
    includeUsage: false,
  };
}

const stopReason = (c: Completion) => (c.truncated ? "max_tokens" : "end_turn");

/** Every frame names its event and repeats the name as the data's type (the SDK reads both). */
function event(name: string, data: Record<string, unknown>): string {
  return `event: ${name}\ndata: ${JSON.stringify(Object.assign({ type: name }, data))}\n\n`;
}

const STREAM_ERRORS = {
  overload: { type: "overloaded_error", message: "Overloaded" },
  "server-error": { type: "api_error", message: "Internal server error" },
} as const;

/**
 * One text block: message_start, content_block_start, deltas, then
 * content_block_stop, message_delta (stop reason, cumulative output tokens) and
 * message_stop. No pings: they are optional and the order stays exact.
 */
class AnthropicStreamWriter implements StreamWriter {
  readonly headers: Record<string, string>;

  constructor(
    private readonly c: Completion,
    budgetHeaders: Record<string, string>,
  ) {
    // Object.assign, not spreads into a literal: V8 builds it many times faster so.
    this.headers = Object.assign({}, SSE_HEADERS, budgetHeaders);
    this.headers["request-id"] = requestId(c);
  }

  start(): string {
    const message = {
      id: messageId(this.c),
      type: "message",
      role: "assistant",
      model: this.c.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Output starts at 1, as the real API reports it before any text.
      usage: { input_tokens: this.c.promptTokens, output_tokens: 1 },
    };
    return (
      event("message_start", { message }) +
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } })
    );
  }

  token(index: number): string {
    return event("content_block_delta", {
      index: 0,
      delta: { type: "text_delta", text: tokenText(index) },
    });
  }

  end(): string {
    return (
      event("content_block_stop", { index: 0 }) +
      event("message_delta", {
        delta: { stop_reason: stopReason(this.c), stop_sequence: null },
        usage: { output_tokens: this.c.completionTokens },
      }) +
      event("message_stop", {})
    );
  }

  /** After a 200 the only way to fail is an `error` event; the SDK throws on it. */
  error(kind: "overload" | "server-error"): string {
    return event("error", { error: STREAM_ERRORS[kind] });
  }
}

function throttleMessage(limitType: string, limit: number): string {
  const unit = limitType.replace("-", " "); // "input-tokens" reads "input tokens"
  return (
    `This request would exceed your organization's rate limit of ${limit} ${unit} per minute. ` +
    "For details, refer to: https://docs.anthropic.com/en/api/rate-limits; " +
    "see the response headers for current usage. Please reduce the prompt length or the " +
    "maximum tokens requested, or try again later."
  );
}

export const anthropicFormat: WireFormat = {
  name: "anthropic",
  basePath: "",

  match(method, path) {
    return method === "POST" && path === MESSAGES_PATH ? {} : undefined;
  },

  /** Only the key is checked: SDKs always send anthropic-version, so demanding it tests nothing. */
  checkAuth(headers: RequestHeaders) {
    // x-api-key, or a Bearer token as the current SDK (1.x) sends it.
    const key = headers["x-api-key"];
    const value = Array.isArray(key) ? key[0] : key;
    if (typeof value === "string" && value.trim() !== "") return undefined;
    const auth = headers.authorization;
    if (typeof auth === "string" && /^Bearer \S+/.test(auth)) return undefined;
    return errorResponse(
      401,
      "authentication_error",
      "x-api-key header is required",
      errorRequestId("401"),
    );
  },

  parseRequest: (body) => parseAnthropicRequest(body),

  budgetHeaders: (budget, nowEpochMs) => anthropicBudgetHeaders(budget, nowEpochMs),

  completion(c, budget, nowEpochMs) {
    return {
      status: 200,
      headers: {
        "content-type": "application/json",
        ...anthropicBudgetHeaders(budget, nowEpochMs),
        "request-id": requestId(c),
      },
      body: JSON.stringify({
        id: messageId(c),
        type: "message",
        role: "assistant",
        model: c.model,
        content: [{ type: "text", text: answerText(c.completionTokens) }],
        stop_reason: stopReason(c),
        stop_sequence: null,
        usage: { input_tokens: c.promptTokens, output_tokens: c.completionTokens },
      }),
    };
  },

  streamWriter(c, _request, budget, nowEpochMs) {
    return new AnthropicStreamWriter(c, anthropicBudgetHeaders(budget, nowEpochMs));
  },

  refusal(refusal: Refusal, nowEpochMs: number) {
    const reqId = errorRequestId(`${refusal.kind}:${refusal.model}:${nowEpochMs}`);
    const budget =
      "budget" in refusal && refusal.budget
        ? anthropicBudgetHeaders(refusal.budget, nowEpochMs)
        : {};
    switch (refusal.kind) {
      case "unknown-model":
        return errorResponse(404, "not_found_error", `model: ${refusal.model}`, reqId);
      case "server-error":
        return errorResponse(500, "api_error", "Internal server error", reqId, budget);
      case "overload":
        // 529 is Anthropic's own status; the SDK retries it like a 5xx.
        return errorResponse(529, "overloaded_error", "Overloaded", reqId, budget);
      case "quota":
        // No quota error type exists: billing is a 400, which no client retries.
        return errorResponse(
          400,
          "invalid_request_error",
          "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
          reqId,
          budget,
        );
      case "throttle":
        return errorResponse(
          429,
          "rate_limit_error",
          throttleMessage(refusal.limitType, refusal.limit),
          reqId,
          {
            ...anthropicBudgetHeaders(refusal.budget, nowEpochMs),
            // Whole seconds only, and never 0 unless a fault stated it (a 0 invites an immediate retry).
            "retry-after": String(retryAfterSeconds(refusal)),
          },
        );
    }
  },

  invalidRequest: (message) => invalid(message),
  notFound: (message) =>
    errorResponse(404, "not_found_error", message, errorRequestId(`404:${message}`)),
  tooLarge: () =>
    errorResponse(
      413,
      "request_too_large",
      "Request exceeds the maximum allowed number of bytes.",
      errorRequestId("413"),
    ),
};
