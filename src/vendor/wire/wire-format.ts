import type { BudgetSnapshot } from "../vendor-model.js";

/**
 * One vendor's wire format as pure data in and data out (VENDOR-WIRE.md): the
 * mock servers write these bytes, the sim upstream hands the same headers to the
 * router, so both modes feed it identical observations. One implementation per
 * file; every one passes the shared conformance suite (wire-conformance.test.ts).
 */
export type FormatName = "openai" | "azure" | "anthropic" | "gemini" | "bedrock";

/** What a format reads out of a request. */
export interface WireRequest {
  model: string;
  /** Estimated from the characters of every message, system prompt included. */
  promptTokens: number;
  /** The caller's cap on the answer; undefined when none was sent. */
  maxTokens: number | undefined;
  stream: boolean;
  /** OpenAI's stream_options.include_usage; false elsewhere. */
  includeUsage: boolean;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** "latin1" when the body is ASCII (see oneByteFor): the same bytes, written faster. */
  encoding?: "latin1";
}

/** An answer to write, in the vendor's shape. */
export interface Completion {
  id: string;
  model: string;
  /** Wall-clock seconds since the epoch. */
  createdS: number;
  promptTokens: number;
  completionTokens: number;
  /** Whether max tokens cut the answer short. */
  truncated: boolean;
}

/** Why the vendor does not serve, as the vendor model decides it. */
export type Refusal =
  | {
      kind: "throttle";
      model: string;
      limitType: "requests" | "tokens" | "input-tokens" | "output-tokens";
      limit: number;
      used: number;
      requested: number;
      retryAfterMs: number;
      /**
       * A throttle fault stated the wait: the headers carry it exactly, 0 included.
       * Otherwise whole seconds are never written as 0 (a 0 invites a hot loop).
       */
      retryAfterStated?: boolean;
      budget: BudgetSnapshot;
    }
  /** Quota or billing exhausted: a 429 that must not be retried. */
  | { kind: "quota"; model: string; budget?: BudgetSnapshot }
  /** 503, or Anthropic's 529. */
  | { kind: "overload"; model: string; budget?: BudgetSnapshot }
  | { kind: "server-error"; model: string; budget?: BudgetSnapshot }
  | { kind: "unknown-model"; model: string };

/**
 * The whole seconds of Retry-After a throttle asks (and Gemini's retryDelay),
 * rounded up so a client that waits them is never early: at least 1, unless a
 * throttle fault stated the wait, when a stated 0 is written as 0.
 */
export function retryAfterSeconds(refusal: { retryAfterMs: number; retryAfterStated?: boolean }) {
  const seconds = Math.ceil(refusal.retryAfterMs / 1000);
  return refusal.retryAfterStated ? seconds : Math.max(1, seconds);
}

/** What a format is asked to write: a refusal (an outage has no HTTP answer at all). */

/** The frames of one streamed answer. */
export interface StreamWriter {
  /** Status 200 headers of the stream (content type and budget headers). */
  readonly headers: Record<string, string>;
  /**
   * "latin1" when every frame is one byte per character: binary frames (Bedrock's
   * event stream), or text that is ASCII (see oneByteFor).
   */
  readonly encoding?: "latin1";
  /** Frames before the first token (Anthropic's message_start); "" where none. */
  start(): string;
  /** The frame carrying token index i of the answer. */
  token(index: number): string;
  /** The closing frames: finish reason, usage, end marker. */
  end(): string;
  /** The vendor's error event after a 200 (the stream then ends). */
  error(kind: "overload" | "server-error"): string;
}

/** How a request line matched: a model named in the path (Gemini, Bedrock), streaming by path. */
export interface RouteMatch {
  modelInPath?: string;
  streamByPath?: boolean;
}

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface WireFormat {
  readonly name: FormatName;
  /** What an official SDK takes as its base URL, after the origin ("/v1" for OpenAI). */
  readonly basePath: string;
  /** Matches a request line; undefined when the vendor has no such endpoint (404). */
  match(method: string, path: string): RouteMatch | undefined;
  /**
   * The error for a missing key, or undefined when the request carries one (in a
   * header, or for Gemini also as `?key=` in the query).
   */
  checkAuth(headers: RequestHeaders, query?: URLSearchParams): WireResponse | undefined;
  /** Reads a parsed JSON body; a WireResponse is the vendor's 400. */
  parseRequest(body: unknown, match: RouteMatch): WireRequest | WireResponse;
  /** Rate-limit headers the vendor sends on every response (nowEpochMs for absolute resets). */
  budgetHeaders(budget: BudgetSnapshot, nowEpochMs: number): Record<string, string>;
  completion(c: Completion, budget: BudgetSnapshot, nowEpochMs: number): WireResponse;
  streamWriter(
    c: Completion,
    request: WireRequest,
    budget: BudgetSnapshot,
    nowEpochMs: number,
  ): StreamWriter;
  refusal(refusal: Refusal, nowEpochMs: number): WireResponse;
  /** 400, 404, 413 in the vendor's own error shape. */
  invalidRequest(message: string): WireResponse;
  notFound(message: string): WireResponse;
  tooLarge(): WireResponse;
}

export function isWireResponse(value: WireRequest | WireResponse): value is WireResponse {
  return "status" in value && "body" in value;
}

/** About four characters of English per token. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Deterministic filler text: token i of an answer is one short word. */
const WORDS = ["the ", "gate", "way ", "rout", "es ", "each", " req", "uest"];
export function tokenText(index: number): string {
  return WORDS[index % WORDS.length]!;
}

/** Printable ASCII only (JSON.stringify writes control characters as \\u escapes). */
const PRINTABLE_ASCII = /^[ -~]*$/;

/**
 * "latin1" for an answer's JSON text when its id and model (the only strings in it
 * from outside: a model name comes from the request) are ASCII. Every other
 * character a format writes is its own and ASCII, so the latin1 bytes are then the
 * UTF-8 bytes, and node writes them without measuring the text as UTF-8 first (for
 * a chunk's size), which also copies a text built of many pieces flat: about 0.9 us
 * of the mock's 28 us per streamed answer.
 */
export function oneByteFor(c: Pick<Completion, "id" | "model">): "latin1" | undefined {
  return PRINTABLE_ASCII.test(c.model) && PRINTABLE_ASCII.test(c.id) ? "latin1" : undefined;
}

/** Each token text as a JSON string, quoted once rather than per frame. */
const QUOTED_WORDS = WORDS.map((word) => JSON.stringify(word));

/** JSON.stringify(tokenText(index)). */
export function quotedTokenText(index: number): string {
  return QUOTED_WORDS[index % QUOTED_WORDS.length]!;
}

/** How many different token texts there are: token i's text is token (i % TOKEN_TEXTS)'s. */
export const TOKEN_TEXTS = WORDS.length;

/** Answers of each length, built once: the same text is asked for again and again. */
const ANSWERS = new Map<number, string>();

export function answerText(tokens: number): string {
  let text = ANSWERS.get(tokens);
  if (text === undefined) {
    text = "";
    for (let i = 0; i < tokens; i++) text += tokenText(i);
    if (ANSWERS.size < 10_000) ANSWERS.set(tokens, text);
  }
  return text;
}

/** Characters of text in a message content: a string, or a list of parts with text. */
export function contentChars(content: unknown): number {
  if (typeof content === "string") return content.length;
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const part of content) {
    const text = (part as { text?: unknown } | null)?.text;
    if (typeof text === "string") chars += text.length;
  }
  return chars;
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

/** The harness's hint of how long an answer to generate (a real vendor decides itself). */
export const COMPLETION_HINT_HEADER = "x-gw-chaos-completion-tokens";

/**
 * Marks the harness's warm-up calls, sent before scenario time starts: a mock
 * answers them as any other, from a model of its own (room for any load, answers
 * at once, no faults), and neither logs nor counts them against the run.
 */
export const WARM_UP_HEADER = "x-gw-chaos-warm-up";
