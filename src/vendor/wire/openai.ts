import type { Admission, BudgetSnapshot } from "../vendor-model.js";
import { formatGoDuration } from "./go-duration.js";

/**
 * OpenAI's chat completions wire format (VENDOR-WIRE.md), as pure data in and
 * data out: the mock server writes these bytes, the sim upstream reads the same
 * headers, so both modes feed the router identical observations.
 */

export const CHAT_PATH = "/v1/chat/completions";
/** The harness's hint of how long an answer to generate (a real vendor decides itself). */
export const COMPLETION_HINT_HEADER = "x-gw-chaos-completion-tokens";

export interface ChatRequest {
  model: string;
  promptTokens: number;
  maxTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** About four characters of English per token. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

export function parseChatRequest(body: unknown): ChatRequest | WireResponse {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return invalidRequest("We could not parse the JSON body of your request.", null);
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model === "") {
    return invalidRequest("you must provide a model parameter", "model");
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    return invalidRequest("'messages' must be a non-empty array", "messages");
  }
  let chars = 0;
  for (const message of b.messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (typeof content === "string") chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === "string") chars += text.length;
      }
    }
  }
  const max = b.max_completion_tokens ?? b.max_tokens;
  if (
    max !== undefined &&
    max !== null &&
    (typeof max !== "number" || !Number.isInteger(max) || max < 1)
  ) {
    return invalidRequest("max_tokens must be a positive integer", "max_tokens");
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

export function isWireResponse(value: ChatRequest | WireResponse): value is WireResponse {
  return "status" in value;
}

export function rateLimitHeaders(budget: BudgetSnapshot): Record<string, string> {
  return {
    "x-ratelimit-limit-requests": String(budget.requests.limit),
    "x-ratelimit-limit-tokens": String(budget.tokens.limit),
    "x-ratelimit-remaining-requests": String(Math.max(0, budget.requests.remaining)),
    "x-ratelimit-remaining-tokens": String(Math.max(0, budget.tokens.remaining)),
    "x-ratelimit-reset-requests": formatGoDuration(budget.requests.resetMs),
    "x-ratelimit-reset-tokens": formatGoDuration(budget.tokens.resetMs),
  };
}

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
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ error: { message, type, param, code } }),
  };
}

export function invalidRequest(message: string, param: string | null): WireResponse {
  return errorResponse(400, message, "invalid_request_error", null, param);
}

export function unauthorized(): WireResponse {
  return errorResponse(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    "invalid_request_error",
    null,
  );
}

export function notFound(message: string, code: string | null = null): WireResponse {
  return errorResponse(404, message, "invalid_request_error", code);
}

/** The response to an admission that does not serve: a 429, a 500 or a 404. */
export function refusal(admission: Exclude<Admission, { kind: "serve" }>): WireResponse {
  switch (admission.kind) {
    case "unknown-model":
      return notFound(
        `The model \`${admission.model}\` does not exist or you do not have access to it.`,
        "model_not_found",
      );
    case "server-error":
      return errorResponse(
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        null,
        null,
        rateLimitHeaders(admission.budget),
      );
    case "throttle": {
      const { limitType, model, limit, used, requested, retryAfterMs } = admission;
      const per = limitType === "tokens" ? "tokens per min (TPM)" : "requests per min (RPM)";
      const message =
        `Rate limit reached for ${model} in organization org-gwchaos on ${per}: ` +
        `Limit ${limit}, Used ${used}, Requested ${requested}. ` +
        `Please try again in ${formatGoDuration(retryAfterMs)}.`;
      return errorResponse(429, message, limitType, "rate_limit_exceeded", null, {
        ...rateLimitHeaders(admission.budget),
        "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
        "retry-after-ms": String(Math.round(retryAfterMs)),
      });
    }
  }
}

/** Deterministic filler text: token i of an answer is one short word. */
const WORDS = ["the ", "gate", "way ", "rout", "es ", "each", " req", "uest"];
export function tokenText(index: number): string {
  return WORDS[index % WORDS.length]!;
}

export function answerText(tokens: number): string {
  let text = "";
  for (let i = 0; i < tokens; i++) text += tokenText(i);
  return text;
}

export interface Completion {
  id: string;
  model: string;
  createdS: number;
  promptTokens: number;
  completionTokens: number;
  truncated: boolean;
}

function usage(c: Completion) {
  return {
    prompt_tokens: c.promptTokens,
    completion_tokens: c.completionTokens,
    total_tokens: c.promptTokens + c.completionTokens,
  };
}

export function completionBody(c: Completion): string {
  return JSON.stringify({
    id: c.id,
    object: "chat.completion",
    created: c.createdS,
    model: c.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: answerText(c.completionTokens) },
        logprobs: null,
        finish_reason: c.truncated ? "length" : "stop",
      },
    ],
    usage: usage(c),
  });
}

/** Server-sent events of a streamed answer: only `data:` frames, no `event:` lines. */
export class OpenAiStreamWriter {
  constructor(
    private readonly c: Completion,
    private readonly includeUsage: boolean,
  ) {}

  private frame(choices: unknown[], extra: Record<string, unknown> = {}): string {
    const chunk: Record<string, unknown> = {
      id: this.c.id,
      object: "chat.completion.chunk",
      created: this.c.createdS,
      model: this.c.model,
      choices,
      ...extra,
    };
    if (this.includeUsage && !("usage" in extra)) chunk.usage = null;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  /** The first frame carries the role; each later one a piece of content. */
  token(index: number): string {
    const delta =
      index === 0 ? { role: "assistant", content: tokenText(0) } : { content: tokenText(index) };
    return this.frame([{ index: 0, delta, logprobs: null, finish_reason: null }]);
  }

  /** The last content frame, the usage frame when asked for, then [DONE]. */
  end(): string {
    let out = this.frame([
      { index: 0, delta: {}, logprobs: null, finish_reason: this.c.truncated ? "length" : "stop" },
    ]);
    if (this.includeUsage) out += this.frame([], { usage: usage(this.c) });
    return `${out}data: [DONE]\n\n`;
  }
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};
