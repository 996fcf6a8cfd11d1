import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "../../random/rng.js";
import { testVendor } from "../../test-support/test-specs.js";
import { wireConformance } from "../../test-support/wire-conformance.js";
import { VendorModel } from "../vendor-model.js";
import { completionBody, openAiFormat as openai } from "./openai.js";
import { answerText, tokenText, type WireRequest } from "./wire-format.js";

const completion = {
  id: "chatcmpl-1",
  model: "gpt-4o-mini",
  createdS: 1,
  promptTokens: 10,
  completionTokens: 3,
  truncated: false,
};
const budget = {
  requests: { limit: 500, remaining: 499, resetMs: 120 },
  tokens: { limit: 30000, remaining: 29000, resetMs: 2000 },
};

describe("OpenAI wire format", () => {
  it("serves only POST /v1/chat/completions", () => {
    expect(openai.match("POST", "/v1/chat/completions")).toEqual({});
    expect(openai.match("GET", "/v1/chat/completions")).toBeUndefined();
    expect(openai.match("POST", "/v1/completions")).toBeUndefined();
  });

  it("reads model, prompt size, max tokens and streaming from a request", () => {
    const req = openai.parseRequest(
      {
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: "abcd" },
          { role: "user", content: [{ type: "text", text: "efghijkl" }] },
        ],
        max_completion_tokens: 64,
        stream: true,
        stream_options: { include_usage: true },
      },
      {},
    );
    expect(req).toEqual({
      model: "gpt-4o-mini",
      promptTokens: 3,
      maxTokens: 64,
      stream: true,
      includeUsage: true,
    });
  });

  it("answers a request without model or messages with a 400 naming the parameter", () => {
    const res = openai.parseRequest({ messages: [] }, {});
    expect(res).toMatchObject({ status: 400 });
    expect(JSON.parse((res as { body: string }).body).error).toMatchObject({
      type: "invalid_request_error",
      param: "model",
    });
  });

  it("wants a Bearer key", () => {
    expect(openai.checkAuth({ authorization: "Bearer sk-1" })).toBeUndefined();
    expect(openai.checkAuth({})?.status).toBe(401);
  });

  it("states budgets in x-ratelimit-* headers with Go-duration resets", () => {
    expect(openai.budgetHeaders(budget, 0)).toEqual({
      "x-ratelimit-limit-requests": "500",
      "x-ratelimit-limit-tokens": "30000",
      "x-ratelimit-remaining-requests": "499",
      "x-ratelimit-remaining-tokens": "29000",
      "x-ratelimit-reset-requests": "120ms",
      "x-ratelimit-reset-tokens": "2s",
    });
  });

  it("throttles with a 429 carrying retry-after, retry-after-ms and OpenAI's error body", () => {
    const vendor = new VendorModel(testVendor(), [], createRng(1));
    const ask = { model: "gpt-4o-mini", promptTokens: 1, maxTokens: 1, completionHint: 1 };
    for (let i = 0; i < 60; i++) vendor.admit(ask, 0);
    const admission = vendor.admit(ask, 0);
    if (admission.kind !== "throttle") throw new Error("expected a throttle");
    const res = openai.refusal(admission, 0);
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.headers["retry-after-ms"]).toBe("1000");
    expect(res.headers["x-ratelimit-remaining-requests"]).toBe("0");
    const error = JSON.parse(res.body).error;
    expect(error).toMatchObject({ type: "requests", code: "rate_limit_exceeded", param: null });
    expect(error.message).toMatch(
      /^Rate limit reached for gpt-4o-mini in organization \S+ on requests per min \(RPM\): Limit 60, Used 60, Requested 1\. Please try again in 1s\.$/,
    );
  });

  it("answers an exhausted quota with a 429 of type insufficient_quota and no Retry-After", () => {
    const res = openai.refusal({ kind: "quota", model: "gpt-4o-mini" }, 0);
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBeUndefined();
    expect(JSON.parse(res.body).error).toMatchObject({
      type: "insufficient_quota",
      code: "insufficient_quota",
    });
  });

  it("writes a chat.completion with usage", () => {
    const body = JSON.parse(openai.completion(completion, budget, 0).body);
    expect(body).toMatchObject({
      object: "chat.completion",
      choices: [
        { index: 0, message: { role: "assistant" }, finish_reason: "stop", logprobs: null },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    });
  });

  it("writes the very bytes JSON.stringify makes of the chat.completion object", () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.string(),
          model: fc.string(),
          createdS: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constant(Number.NaN)),
          promptTokens: fc.nat(1_000_000),
          completionTokens: fc.nat(3000),
          truncated: fc.boolean(),
        }),
        (c) => {
          const object = {
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
            usage: {
              prompt_tokens: c.promptTokens,
              completion_tokens: c.completionTokens,
              total_tokens: c.promptTokens + c.completionTokens,
            },
          };
          expect(completionBody(c)).toBe(JSON.stringify(object));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("streams the very bytes JSON.stringify makes of each chunk, whatever the id and model", () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.string(),
          model: fc.string(),
          createdS: fc.integer({ min: 0, max: 2 ** 40 }),
          promptTokens: fc.nat(1_000_000),
          completionTokens: fc.integer({ min: 1, max: 40 }),
          truncated: fc.boolean(),
        }),
        fc.boolean(),
        (c, includeUsage) => {
          const request: WireRequest = {
            model: c.model,
            promptTokens: c.promptTokens,
            maxTokens: c.completionTokens,
            stream: true,
            includeUsage,
          };
          const w = openai.streamWriter(c, request, budget, 0);
          let text = w.start();
          for (let i = 0; i < c.completionTokens; i++) text += w.token(i);
          text += w.end();
          const chunk = (choices: unknown[], usage?: unknown) => {
            const out: Record<string, unknown> = {
              id: c.id,
              object: "chat.completion.chunk",
              created: c.createdS,
              model: c.model,
              choices,
            };
            if (usage !== undefined) out.usage = usage;
            else if (includeUsage) out.usage = null;
            return `data: ${JSON.stringify(out)}\n\n`;
          };
          const piece = (delta: object, finish: string | null = null) => [
            { index: 0, delta, logprobs: null, finish_reason: finish },
          ];
          let expected = chunk(piece({ role: "assistant", content: tokenText(0) }));
          for (let i = 1; i < c.completionTokens; i++)
            expected += chunk(piece({ content: tokenText(i) }));
          expected += chunk(piece({}, c.truncated ? "length" : "stop"));
          if (includeUsage) {
            const usage = {
              prompt_tokens: c.promptTokens,
              completion_tokens: c.completionTokens,
              total_tokens: c.promptTokens + c.completionTokens,
            };
            expected += chunk([], usage);
          }
          expect(text).toBe(`${expected}data: [DONE]\n\n`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("writes an answer or a stream as latin1 only when those are its UTF-8 bytes, and always for ASCII names", () => {
    const name = fc.oneof(fc.string(), fc.string({ unit: "binary" }));
    fc.assert(
      fc.property(name, name, fc.integer({ min: 1, max: 20 }), (id, model, tokens) => {
        const c = { ...completion, id, model, completionTokens: tokens };
        const request: WireRequest = {
          model,
          promptTokens: 10,
          maxTokens: tokens,
          stream: true,
          includeUsage: true,
        };
        const w = openai.streamWriter(c, request, budget, 0);
        let stream = w.start();
        for (let i = 0; i < tokens; i++) stream += w.token(i);
        stream += w.end() + w.error("overload");
        const answer = openai.completion(c, budget, 0);
        const ascii = /^[ -~]*$/.test(id + model);
        for (const [text, encoding] of [
          [stream, w.encoding],
          [answer.body, answer.encoding],
        ] as const) {
          expect(encoding).toBe(ascii ? "latin1" : undefined);
          if (encoding) expect(Buffer.from(text, encoding)).toEqual(Buffer.from(text, "utf8"));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("streams data-only frames: role first, content, finish, usage chunk, then [DONE]", () => {
    const request: WireRequest = {
      model: "gpt-4o-mini",
      promptTokens: 10,
      maxTokens: 3,
      stream: true,
      includeUsage: true,
    };
    const w = openai.streamWriter(completion, request, budget, 0);
    const text = w.start() + w.token(0) + w.token(1) + w.token(2) + w.end();
    expect(text).not.toMatch(/^event:/m);
    const frames = text
      .trim()
      .split("\n\n")
      .map((f: string) => f.replace(/^data: /, ""));
    expect(frames.at(-1)).toBe("[DONE]");
    const chunks = frames.slice(0, -1).map((f: string) => JSON.parse(f));
    expect(
      chunks.every(
        (c: { object: string; id: string }) =>
          c.object === "chat.completion.chunk" && c.id === "chatcmpl-1",
      ),
    ).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks[3].choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(chunks.slice(0, 4).every((c: { usage: unknown }) => c.usage === null)).toBe(true);
    expect(chunks[4]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 3 },
    });
  });
});

wireConformance(openai, {
  endpoint: () => ({ method: "POST", path: "/v1/chat/completions" }),
  authHeaders: { authorization: "Bearer sk-test" },
  body: (model, text, maxTokens, stream) => ({
    model,
    messages: [{ role: "user", content: text }],
    max_tokens: maxTokens,
    stream,
  }),
  usageOf: (body) => {
    const u = (body as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    return { prompt: u.prompt_tokens, completion: u.completion_tokens };
  },
});
