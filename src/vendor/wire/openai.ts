import type { BudgetSnapshot } from "../vendor-model.js";
import { formatGoDuration } from "./go-duration.js";
import {
  answerText,
  type Completion,
  contentChars,
  estimateTokens,
  oneByteFor,
  quotedTokenText,
  type Refusal,
  type RequestHeaders,
  retryAfterSeconds,
  SSE_HEADERS,
  type StreamWriter,
  TOKEN_TEXTS,
  tokenText,
  type WireFormat,
  type WireRequest,
  type WireResponse,
} from "./wire-format.js";

/** OpenAI's chat completions (VENDOR-WIRE.md): `POST /v1/chat/completions`, Bearer keys. */
export const CHAT_PATH = "/v1/chat/completions";

function errorResponse(
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
  headers: Record<string, string> = {},
): WireResponse {
  return {
    status,
    // Object.assign, not a spread into a literal: many times faster in V8.
    headers: Object.assign({ "content-type": "application/json" }, headers),
    body: JSON.stringify({ error: { message, type, param, code } }),
  };
}

const invalid = (message: string, param: string | null = null) =>
  errorResponse(400, message, "invalid_request_error", null, param);

/** x-ratelimit-* headers: integers, and resets as Go durations ("6m0s", "120ms"). */
export function openAiBudgetHeaders(budget: BudgetSnapshot): Record<string, string> {
  return {
    "x-ratelimit-limit-requests": String(budget.requests.limit),
    "x-ratelimit-limit-tokens": String(budget.tokens.limit),
    "x-ratelimit-remaining-requests": String(Math.max(0, budget.requests.remaining)),
    "x-ratelimit-remaining-tokens": String(Math.max(0, budget.tokens.remaining)),
    "x-ratelimit-reset-requests": formatGoDuration(budget.requests.resetMs),
    "x-ratelimit-reset-tokens": formatGoDuration(budget.tokens.resetMs),
  };
}

export function parseOpenAiRequest(body: unknown): WireRequest | WireResponse {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return invalid("We could not parse the JSON body of your request.");
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model === "") {
    return invalid("you must provide a model parameter", "model");
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    return invalid("'messages' must be a non-empty array", "messages");
  }
  let chars = 0;
  for (const message of b.messages)
    chars += contentChars((message as { content?: unknown } | null)?.content);
  const max = b.max_completion_tokens ?? b.max_tokens;
  if (
    max !== undefined &&
    max !== null &&
    (typeof max !== "number" || !Number.isInteger(max) || max < 1)
  ) {
    return invalid("max_tokens must be a positive integer", "max_tokens");
  }
  const streamOptions = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: b.model,
    promptTokens: estimateTokens(chars),
    maxTokens: typeof max === "number" ? max : undefined,
    stream: b.stream === true,
    includeUsage: streamOptions?.include_usage === true,
  };
}

function usage(c: Completion) {
  return {
    prompt_tokens: c.promptTokens,
    completion_tokens: c.completionTokens,
    total_tokens: c.promptTokens + c.completionTokens,
  };
}

/** The answer texts as JSON strings, by length (bounded as answerText's own). */
const ANSWER_JSON = new Map<number, string>();

function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : "null";
}

/**
 * A chat.completion's JSON, the bytes JSON.stringify makes of it (a test holds them
 * equal), put together from its parts: the mock writes one per answer, and the
 * answer's text, most of the body, is escaped once per length rather than each time.
 */
export function completionBody(c: Completion): string {
  let content = ANSWER_JSON.get(c.completionTokens);
  if (content === undefined) {
    content = JSON.stringify(answerText(c.completionTokens));
    if (ANSWER_JSON.size < 10_000) ANSWER_JSON.set(c.completionTokens, content);
  }
  return (
    `{"id":${JSON.stringify(c.id)},"object":"chat.completion","created":${jsonNumber(c.createdS)},` +
    `"model":${JSON.stringify(c.model)},"choices":[{"index":0,"message":{"role":"assistant",` +
    `"content":${content}},"logprobs":null,"finish_reason":"${c.truncated ? "length" : "stop"}"}],` +
    `"usage":{"prompt_tokens":${jsonNumber(c.promptTokens)},"completion_tokens":${jsonNumber(c.completionTokens)},` +
    `"total_tokens":${jsonNumber(c.promptTokens + c.completionTokens)}}}`
  );
}

/** The choices of the frames every stream has, the same in each: made once. */
const ROLE_CHOICES = JSON.stringify([
  {
    index: 0,
    delta: { role: "assistant", content: tokenText(0) },
    logprobs: null,
    finish_reason: null,
  },
]);
const finishChoices = (reason: "stop" | "length") =>
  JSON.stringify([{ index: 0, delta: {}, logprobs: null, finish_reason: reason }]);
const STOP_CHOICES = finishChoices("stop");
const LENGTH_CHOICES = finishChoices("length");

/** Server-sent events: only `data:` frames, no `event:` lines, then `data: [DONE]`. */
class OpenAiStreamWriter implements StreamWriter {
  readonly headers: Record<string, string>;
  readonly encoding: "latin1" | undefined;

  /** Every frame's text up to its choices: the same for the whole stream. */
  private readonly head: string;
  /** What follows the choices in every frame but the usage frame. */
  private readonly tail: string;
  /**
   * Every content frame is the same text around its piece, and the pieces repeat:
   * each different frame is built once per stream, when first written.
   */
  private readonly contentFrames: (string | undefined)[] = new Array(TOKEN_TEXTS);

  constructor(
    private readonly c: Completion,
    private readonly includeUsage: boolean,
    budgetHeaders: Record<string, string>,
  ) {
    // Object.assign, not spreads into a literal: about 0.2 us against 9 us a stream.
    this.headers = Object.assign({}, SSE_HEADERS, budgetHeaders);
    this.encoding = oneByteFor(c);
    // The bytes JSON.stringify makes of a chunk { id, object, created, model, choices,
    // usage }, key for key, with only the choices (and the usage) made per frame.
    this.head =
      `data: {"id":${JSON.stringify(c.id)},"object":"chat.completion.chunk","created":${c.createdS},` +
      `"model":${JSON.stringify(c.model)},"choices":`;
    this.tail = `${includeUsage ? ',"usage":null' : ""}}\n\n`;
  }

  private frame(choices: string): string {
    return this.head + choices + this.tail;
  }

  start(): string {
    return "";
  }

  /** The first frame carries the role; each later one a piece of content. */
  token(index: number): string {
    if (index === 0) return this.frame(ROLE_CHOICES);
    const k = index % TOKEN_TEXTS;
    let frame = this.contentFrames[k];
    if (frame === undefined) {
      frame = `${this.head}[{"index":0,"delta":{"content":${quotedTokenText(k)}},"logprobs":null,"finish_reason":null}]${this.tail}`;
      this.contentFrames[k] = frame;
    }
    return frame;
  }

  /** The last content frame, the usage frame when asked for, then [DONE]. */
  end(): string {
    let out = this.frame(this.c.truncated ? LENGTH_CHOICES : STOP_CHOICES);
    if (this.includeUsage) out += `${this.head}[],"usage":${JSON.stringify(usage(this.c))}}\n\n`;
    return `${out}data: [DONE]\n\n`;
  }

  /** A mid-stream failure is a data frame with an error key (no [DONE] follows). */
  error(kind: "overload" | "server-error"): string {
    const error =
      kind === "overload"
        ? {
            message: "The engine is currently overloaded, please try again later",
            type: "server_error",
            param: null,
            code: null,
          }
        : {
            message: "The server had an error while processing your request. Sorry about that!",
            type: "server_error",
            param: null,
            code: null,
          };
    return `data: ${JSON.stringify({ error })}\n\n`;
  }
}

export const openAiFormat: WireFormat = {
  name: "openai",
  basePath: "/v1",

  match(method, path) {
    return method === "POST" && path === CHAT_PATH ? {} : undefined;
  },

  checkAuth(headers: RequestHeaders) {
    const auth = headers.authorization;
    if (typeof auth === "string" && /^Bearer \S+/.test(auth)) return undefined;
    return errorResponse(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      "invalid_request_error",
      null,
    );
  },

  parseRequest: (body) => parseOpenAiRequest(body),

  budgetHeaders: (budget) => openAiBudgetHeaders(budget),

  completion(c, budget) {
    return {
      status: 200,
      headers: { "content-type": "application/json", ...openAiBudgetHeaders(budget) },
      body: completionBody(c),
      encoding: oneByteFor(c),
    };
  },

  streamWriter(c, request, budget) {
    return new OpenAiStreamWriter(c, request.includeUsage, openAiBudgetHeaders(budget));
  },

  refusal(refusal: Refusal) {
    const budget = "budget" in refusal && refusal.budget ? openAiBudgetHeaders(refusal.budget) : {};
    switch (refusal.kind) {
      case "unknown-model":
        return errorResponse(
          404,
          `The model \`${refusal.model}\` does not exist or you do not have access to it.`,
          "invalid_request_error",
          "model_not_found",
        );
      case "server-error":
        return errorResponse(
          500,
          "The server had an error while processing your request. Sorry about that!",
          "server_error",
          null,
          null,
          budget,
        );
      case "overload":
        return errorResponse(
          503,
          "The engine is currently overloaded, please try again later",
          "server_error",
          null,
          null,
          budget,
        );
      case "quota":
        // Billing, not rate: no Retry-After, and x-should-retry tells the
        // official SDKs (which retry every 429 otherwise) not to try again.
        return errorResponse(
          429,
          "You exceeded your current quota, please check your plan and billing details.",
          "insufficient_quota",
          "insufficient_quota",
          null,
          Object.assign({}, budget, { "x-should-retry": "false" }),
        );
      case "throttle": {
        const { limitType, model, limit, used, requested, retryAfterMs } = refusal;
        const per = limitType === "requests" ? "requests per min (RPM)" : "tokens per min (TPM)";
        const message =
          `Rate limit reached for ${model} in organization org-gwchaos on ${per}: ` +
          `Limit ${limit}, Used ${used}, Requested ${requested}. ` +
          `Please try again in ${formatGoDuration(retryAfterMs)}.`;
        return errorResponse(
          429,
          message,
          limitType === "requests" ? "requests" : "tokens",
          "rate_limit_exceeded",
          null,
          Object.assign({}, budget, {
            "retry-after": String(retryAfterSeconds(refusal)),
            "retry-after-ms": String(Math.round(retryAfterMs)),
          }),
        );
      }
    }
  },

  invalidRequest: (message) => invalid(message),
  notFound: (message) => errorResponse(404, message, "invalid_request_error", null),
  tooLarge: () => ({ ...invalid("Request body too large."), status: 413 }),
};
