import { describe, expect, it } from "vitest";
import type { BudgetSnapshot } from "../vendor/vendor-model.js";
import type {
  Completion,
  RequestHeaders,
  WireFormat,
  WireRequest,
  WireResponse,
} from "../vendor/wire/wire-format.js";
import { isWireResponse } from "../vendor/wire/wire-format.js";

/** What the suite needs to drive one format: a valid request of its own shape. */
export interface ConformanceExample {
  /** Method and path of the chat endpoint, for a model, plain or streamed. */
  endpoint(model: string, stream: boolean): { method: string; path: string };
  /** Headers of an authenticated request. */
  authHeaders: RequestHeaders;
  /** A body asking `model` about `text` (system prompt included), capped at maxTokens. */
  body(model: string, text: string, maxTokens: number, stream: boolean): unknown;
  /** Reads the prompt and completion token counts out of a non-streamed answer. */
  usageOf(body: unknown): { prompt: number; completion: number };
}

const budget: BudgetSnapshot = {
  requests: { limit: 600, remaining: 599, resetMs: 100 },
  tokens: { limit: 100_000, remaining: 99_000, resetMs: 600 },
  inputTokens: { limit: 80_000, remaining: 79_000, resetMs: 750 },
  outputTokens: { limit: 20_000, remaining: 19_900, resetMs: 300 },
};
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const completion: Completion = {
  id: "gw1",
  model: "m-1",
  createdS: NOW / 1000,
  promptTokens: 12,
  completionTokens: 4,
  truncated: false,
};

const json = (res: WireResponse): unknown => JSON.parse(res.body);

/**
 * The conformance suite every wire format passes (hono's one suite for every
 * router): routing, auth, request parsing, answers, streams and refusals, each
 * checked for the properties any client relies on. Vendor-specific bytes are
 * checked in each format's own tests.
 */
export function wireConformance(format: WireFormat, example: ConformanceExample): void {
  describe(`${format.name} wire format: conformance`, () => {
    const match = (stream: boolean) => {
      const { method, path } = example.endpoint("m-1", stream);
      const m = format.match(method, path);
      if (!m) throw new Error(`${method} ${path} did not match`);
      return m;
    };
    const parse = (stream: boolean, body = example.body("m-1", "abcdefgh", 50, stream)) =>
      format.parseRequest(body, match(stream));

    it("matches its chat endpoint and nothing else", () => {
      expect(match(false)).toBeDefined();
      expect(format.match("POST", "/definitely/not/an/endpoint")).toBeUndefined();
    });

    it("accepts an authenticated request and refuses one without a key with 401 or 403", () => {
      expect(format.checkAuth(example.authHeaders)).toBeUndefined();
      const refused = format.checkAuth({});
      expect([401, 403]).toContain(refused?.status);
      expect(() => json(refused!)).not.toThrow();
    });

    it("reads the model, the prompt size, the cap and streaming from a request", () => {
      const plain = parse(false);
      const streamed = parse(true);
      if (isWireResponse(plain) || isWireResponse(streamed))
        throw new Error("a valid request was refused");
      expect(plain).toMatchObject({ model: "m-1", maxTokens: 50, stream: false });
      expect(plain.promptTokens).toBeGreaterThanOrEqual(2); // "abcdefgh" and any system text, ~4 chars a token
      expect(streamed.stream).toBe(true);
    });

    it("answers a malformed request with a JSON 400", () => {
      const res = format.parseRequest({ nonsense: true }, match(false)) as
        | WireRequest
        | WireResponse;
      expect(isWireResponse(res)).toBe(true);
      expect((res as WireResponse).status).toBe(400);
      expect(() => json(res as WireResponse)).not.toThrow();
    });

    it("writes a JSON answer with its usage and its budget headers", () => {
      const res = format.completion(completion, budget, NOW);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toMatch(/json/);
      expect(example.usageOf(json(res))).toEqual({ prompt: 12, completion: 4 });
      for (const [name, value] of Object.entries(format.budgetHeaders(budget, NOW))) {
        expect(res.headers[name]).toBe(value);
      }
    });

    it("streams a start, one frame per token and an end, as text", () => {
      const parsed = parse(true);
      if (isWireResponse(parsed)) throw new Error("a valid request was refused");
      const w = format.streamWriter(completion, parsed, budget, NOW);
      expect(Object.keys(w.headers).map((h) => h.toLowerCase())).toContain("content-type");
      const tokens = [0, 1, 2, 3].map((i) => w.token(i));
      for (const frame of tokens) expect(frame.length).toBeGreaterThan(0);
      expect(new Set(tokens).size).toBeGreaterThan(1);
      const text = w.start() + tokens.join("") + w.end();
      expect(text.length).toBeGreaterThan(0);
      expect(w.error("overload").length).toBeGreaterThan(0);
      expect(w.error("server-error")).not.toBe(w.end());
    });

    it("refuses in the vendor's shape: 429 throttle, quota, overload, 500, unknown model", () => {
      const throttle = format.refusal(
        {
          kind: "throttle",
          model: "m-1",
          limitType: "requests",
          limit: 600,
          used: 600,
          requested: 1,
          retryAfterMs: 2500,
          budget,
        },
        NOW,
      );
      expect(throttle.status).toBe(429);
      const quota = format.refusal({ kind: "quota", model: "m-1" }, NOW);
      expect([400, 429]).toContain(quota.status);
      const overload = format.refusal({ kind: "overload", model: "m-1" }, NOW);
      expect([503, 529]).toContain(overload.status);
      expect(format.refusal({ kind: "server-error", model: "m-1" }, NOW).status).toBe(500);
      expect([400, 404]).toContain(
        format.refusal({ kind: "unknown-model", model: "m-9" }, NOW).status,
      );
      for (const res of [throttle, quota, overload]) expect(() => json(res)).not.toThrow();
    });

    it("answers 400, 404 and 413 as JSON in its own error shape", () => {
      expect(format.invalidRequest("bad").status).toBe(400);
      expect(format.notFound("where").status).toBe(404);
      expect(format.tooLarge().status).toBe(413);
      for (const res of [
        format.invalidRequest("bad"),
        format.notFound("where"),
        format.tooLarge(),
      ]) {
        expect(() => json(res)).not.toThrow();
      }
    });
  });
}
