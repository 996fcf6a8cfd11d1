import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wireConformance } from "../../test-support/wire-conformance.js";
import type { BudgetSnapshot } from "../vendor-model.js";
import { anthropicFormat as anthropic, rfc3339 } from "./anthropic.js";
import {
  answerText,
  type Completion,
  isWireResponse,
  type WireRequest,
  type WireResponse,
} from "./wire-format.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const completion: Completion = {
  id: "gw1",
  model: "claude-sonnet-4-5",
  createdS: NOW / 1000,
  promptTokens: 10,
  completionTokens: 3,
  truncated: false,
};
const budget: BudgetSnapshot = {
  requests: { limit: 50, remaining: 49, resetMs: 1200 },
  tokens: { limit: 100_000, remaining: 98_765, resetMs: 600 },
  inputTokens: { limit: 80_000, remaining: 79_999, resetMs: 750 },
  outputTokens: { limit: 20_000, remaining: 19_900, resetMs: 3000 },
};
const request: WireRequest = {
  model: "claude-sonnet-4-5",
  promptTokens: 10,
  maxTokens: 3,
  stream: true,
  includeUsage: false,
};

const errorOf = (res: WireResponse) =>
  JSON.parse(res.body) as {
    type: string;
    error: { type: string; message: string };
    request_id: string;
  };

/** Splits an SSE text into [event name, parsed data] pairs, checking each frame's shape. */
function events(text: string): [string, Record<string, unknown>][] {
  return text
    .trim()
    .split("\n\n")
    .map((frame) => {
      const m = /^event: (\S+)\ndata: (.*)$/.exec(frame);
      if (!m) throw new Error(`not an Anthropic SSE frame: ${frame}`);
      return [m[1]!, JSON.parse(m[2]!) as Record<string, unknown>];
    });
}

const body = (extra: Record<string, unknown> = {}) => ({
  model: "claude-sonnet-4-5",
  max_tokens: 64,
  messages: [{ role: "user", content: "abcd" }],
  ...extra,
});

describe("Anthropic wire format", () => {
  it("serves only POST /v1/messages, from the bare origin", () => {
    expect(anthropic.basePath).toBe("");
    expect(anthropic.match("POST", "/v1/messages")).toEqual({});
    expect(anthropic.match("GET", "/v1/messages")).toBeUndefined();
    expect(anthropic.match("POST", "/messages")).toBeUndefined();
    expect(anthropic.match("POST", "/v1/chat/completions")).toBeUndefined();
  });

  it("wants an x-api-key or a Bearer token (as SDK 1.x sends), else authentication_error", () => {
    expect(anthropic.checkAuth({ "x-api-key": "sk-ant-1" })).toBeUndefined();
    expect(anthropic.checkAuth({ authorization: "Bearer sk-ant-1" })).toBeUndefined();
    for (const headers of [{}, { "x-api-key": "" }, { authorization: "Basic abc" }]) {
      const res = anthropic.checkAuth(headers);
      expect(res?.status).toBe(401);
      expect(errorOf(res!)).toMatchObject({
        type: "error",
        error: { type: "authentication_error" },
      });
    }
  });

  it("reads model, cap and streaming, and counts system text and text blocks in the prompt", () => {
    const req = anthropic.parseRequest(
      body({
        system: [{ type: "text", text: "abcdefgh" }],
        messages: [
          { role: "user", content: "abcd" },
          { role: "assistant", content: [{ type: "text", text: "efgh" }] },
          { role: "user", content: [{ type: "text", text: "ijkl" }] },
        ],
        stream: true,
      }),
      {},
    );
    expect(req).toEqual({
      model: "claude-sonnet-4-5",
      promptTokens: 5, // 8 + 4 + 4 + 4 characters
      maxTokens: 64,
      stream: true,
      includeUsage: false,
    });
    const plain = anthropic.parseRequest(body({ system: "abcd" }), {});
    expect(plain).toMatchObject({ promptTokens: 2, stream: false });
  });

  it("answers a request without max_tokens with a 400 invalid_request_error naming it", () => {
    const { max_tokens: _, ...noCap } = body();
    const res = anthropic.parseRequest(noCap, {});
    if (!isWireResponse(res)) throw new Error("expected a 400");
    expect(res.status).toBe(400);
    const error = errorOf(res);
    expect(error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(error.error.message).toMatch(/^max_tokens: /);
    expect(error.request_id).toMatch(/^req_/);
    expect(res.headers["request-id"]).toBe(error.request_id);
  });

  it("refuses a bad cap, empty or system-role messages, bad system and a non-boolean stream", () => {
    const bad = [
      body({ max_tokens: 0 }),
      body({ max_tokens: 1.5 }),
      body({ max_tokens: "64" }),
      body({ messages: [] }),
      body({ messages: "hi" }),
      body({ messages: [{ role: "system", content: "be brief" }] }),
      body({ messages: [{ role: "user", content: [{ type: "text" }] }] }),
      body({ system: 42 }),
      body({ stream: "yes" }),
      body({ model: "" }),
      [],
    ];
    for (const b of bad) {
      const res = anthropic.parseRequest(b, {});
      expect(isWireResponse(res), JSON.stringify(b)).toBe(true);
      expect((res as WireResponse).status).toBe(400);
      expect(errorOf(res as WireResponse).error.type).toBe("invalid_request_error");
    }
  });

  it("states budgets in anthropic-ratelimit-* headers with RFC 3339 resets", () => {
    expect(anthropic.budgetHeaders(budget, NOW)).toEqual({
      "anthropic-ratelimit-requests-limit": "50",
      "anthropic-ratelimit-requests-remaining": "49",
      "anthropic-ratelimit-requests-reset": "2026-11-24T12:00:02Z",
      "anthropic-ratelimit-tokens-limit": "100000",
      "anthropic-ratelimit-tokens-remaining": "98000",
      "anthropic-ratelimit-tokens-reset": "2026-11-24T12:00:01Z",
      "anthropic-ratelimit-input-tokens-limit": "80000",
      "anthropic-ratelimit-input-tokens-remaining": "79000",
      "anthropic-ratelimit-input-tokens-reset": "2026-11-24T12:00:01Z",
      "anthropic-ratelimit-output-tokens-limit": "20000",
      "anthropic-ratelimit-output-tokens-remaining": "19000",
      "anthropic-ratelimit-output-tokens-reset": "2026-11-24T12:00:03Z",
    });
  });

  it("rounds token remaining down to thousands, never below 0, and leaves requests exact", () => {
    const at = (remaining: number) =>
      anthropic.budgetHeaders(
        {
          requests: { limit: 50, remaining: 7, resetMs: 0 },
          tokens: { limit: 100_000, remaining, resetMs: 0 },
        },
        NOW,
      );
    expect(at(29_999)["anthropic-ratelimit-tokens-remaining"]).toBe("29000");
    expect(at(1000)["anthropic-ratelimit-tokens-remaining"]).toBe("1000");
    expect(at(999)["anthropic-ratelimit-tokens-remaining"]).toBe("0");
    expect(at(-5)["anthropic-ratelimit-tokens-remaining"]).toBe("0");
    expect(at(1)["anthropic-ratelimit-requests-remaining"]).toBe("7");
    // A reset of 0 is now; whole seconds stay as they are.
    expect(at(1)["anthropic-ratelimit-tokens-reset"]).toBe("2026-11-24T12:00:00Z");
  });

  it("falls back to the combined token bucket for input and output headers", () => {
    const headers = anthropic.budgetHeaders(
      {
        requests: { limit: 50, remaining: 49, resetMs: 0 },
        tokens: { limit: 40_000, remaining: 12_345, resetMs: 2000 },
      },
      NOW,
    );
    for (const family of ["tokens", "input-tokens", "output-tokens"]) {
      expect(headers[`anthropic-ratelimit-${family}-limit`]).toBe("40000");
      expect(headers[`anthropic-ratelimit-${family}-remaining`]).toBe("12000");
      expect(headers[`anthropic-ratelimit-${family}-reset`]).toBe("2026-11-24T12:00:02Z");
    }
  });

  it("writes a message with usage, end_turn, and a request-id derived from the id", () => {
    const res = anthropic.completion(completion, budget, NOW);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["request-id"]).toBe("req_gw1");
    expect(res.headers["anthropic-ratelimit-input-tokens-remaining"]).toBe("79000");
    expect(JSON.parse(res.body)).toEqual({
      id: "msg_gw1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [{ type: "text", text: answerText(3) }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 3 },
    });
    // Deterministic: the same answer is the same bytes.
    expect(anthropic.completion(completion, budget, NOW)).toEqual(res);
  });

  it("reports stop_reason max_tokens when the cap cut the answer", () => {
    const cut = { ...completion, truncated: true };
    expect(JSON.parse(anthropic.completion(cut, budget, NOW).body).stop_reason).toBe("max_tokens");
    const w = anthropic.streamWriter(cut, request, budget, NOW);
    const delta = events(w.end()).find(([name]) => name === "message_delta")!;
    expect(delta[1]).toMatchObject({ delta: { stop_reason: "max_tokens", stop_sequence: null } });
  });

  it("streams named events in Anthropic's exact order, each repeating its name as type", () => {
    const w = anthropic.streamWriter(completion, request, budget, NOW);
    expect(w.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(w.headers["request-id"]).toBe("req_gw1");
    expect(w.headers["anthropic-ratelimit-requests-remaining"]).toBe("49");
    const all = events(w.start() + w.token(0) + w.token(1) + w.token(2) + w.end());
    expect(all.map(([name]) => name)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const [name, data] of all) expect(data.type).toBe(name);
    expect(all[0]![1]).toEqual({
      type: "message_start",
      message: {
        id: "msg_gw1",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 },
      },
    });
    expect(all[1]![1]).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    const texts = all.slice(2, 5).map(([, data]) => {
      expect(data).toMatchObject({ index: 0, delta: { type: "text_delta" } });
      return (data.delta as { text: string }).text;
    });
    expect(texts.join("")).toBe(answerText(3));
    expect(all[5]![1]).toEqual({ type: "content_block_stop", index: 0 });
    expect(all[6]![1]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 3 },
    });
    expect(all[7]![1]).toEqual({ type: "message_stop" });
  });

  it("fails mid-stream with an error event: overloaded_error or api_error", () => {
    const w = anthropic.streamWriter(completion, request, budget, NOW);
    expect(events(w.error("overload"))).toEqual([
      ["error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }],
    ]);
    const [[name, data]] = events(w.error("server-error")) as [[string, { error: unknown }]];
    expect(name).toBe("error");
    expect(data.error).toMatchObject({ type: "api_error" });
  });

  it("throttles with a 429 rate_limit_error, whole-second retry-after and budget headers", () => {
    const throttle = (retryAfterMs: number) =>
      anthropic.refusal(
        {
          kind: "throttle",
          model: "claude-sonnet-4-5",
          limitType: "input-tokens",
          limit: 80_000,
          used: 79_990,
          requested: 500,
          retryAfterMs,
          budget,
        },
        NOW,
      );
    const res = throttle(2500);
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("3");
    expect(throttle(10).headers["retry-after"]).toBe("1");
    expect(throttle(0).headers["retry-after"]).toBe("1");
    expect(res.headers["anthropic-ratelimit-input-tokens-remaining"]).toBe("79000");
    const error = errorOf(res);
    expect(error.type).toBe("error");
    expect(error.error.type).toBe("rate_limit_error");
    expect(error.error.message).toMatch(/rate limit of 80000 input tokens per minute/);
    expect(error.request_id).toMatch(/^req_[0-9a-f]+$/);
    expect(res.headers["request-id"]).toBe(error.request_id);
    expect(throttle(2500)).toEqual(res);
  });

  it("answers an exhausted quota with a billing 400 that carries no retry-after", () => {
    const res = anthropic.refusal({ kind: "quota", model: "claude-sonnet-4-5", budget }, NOW);
    expect(res.status).toBe(400);
    expect(res.headers["retry-after"]).toBeUndefined();
    expect(res.headers["anthropic-ratelimit-requests-limit"]).toBe("50");
    const error = errorOf(res).error;
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toMatch(/^Your credit balance is too low to access the Anthropic API/);
  });

  it("answers overload with 529, server errors with 500 and unknown models with 404", () => {
    const cases = [
      [{ kind: "overload", model: "m" }, 529, "overloaded_error"],
      [{ kind: "server-error", model: "m" }, 500, "api_error"],
      [{ kind: "unknown-model", model: "claude-9" }, 404, "not_found_error"],
    ] as const;
    for (const [refusal, status, type] of cases) {
      const res = anthropic.refusal(refusal, NOW);
      expect(res.status).toBe(status);
      expect(errorOf(res)).toMatchObject({ type: "error", error: { type } });
    }
    const missing = anthropic.refusal({ kind: "unknown-model", model: "claude-9" }, NOW);
    expect(errorOf(missing).error.message).toBe("model: claude-9");
  });

  it("states a reset as RFC 3339, rounded up to the second, however many seconds it has seen", () => {
    // The strings are kept per second (a few hundred at a time): the same as made afresh.
    const direct = (ms: number) =>
      new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4_000_000_000_000 }), {
          minLength: 300,
          maxLength: 600,
        }),
        (times) => {
          for (const ms of [...times, ...times]) expect(rfc3339(ms)).toBe(direct(ms));
        },
      ),
      { numRuns: 20 },
    );
    expect(rfc3339(Date.UTC(2026, 10, 24, 12, 0, 0, 1))).toBe("2026-11-24T12:00:01Z");
  });

  it("answers 400, 404 and 413 with Anthropic's error types", () => {
    expect(errorOf(anthropic.invalidRequest("bad")).error).toEqual({
      type: "invalid_request_error",
      message: "bad",
    });
    expect(errorOf(anthropic.notFound("where")).error).toEqual({
      type: "not_found_error",
      message: "where",
    });
    const large = anthropic.tooLarge();
    expect(large.status).toBe(413);
    expect(errorOf(large).error.type).toBe("request_too_large");
  });
});

wireConformance(anthropic, {
  endpoint: () => ({ method: "POST", path: "/v1/messages" }),
  authHeaders: { "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01" },
  body: (model, text, maxTokens, stream) => ({
    model,
    max_tokens: maxTokens,
    system: "Be brief.",
    messages: [{ role: "user", content: text }],
    stream,
  }),
  usageOf: (b) => {
    const u = (b as { usage: { input_tokens: number; output_tokens: number } }).usage;
    return { prompt: u.input_tokens, completion: u.output_tokens };
  },
});
