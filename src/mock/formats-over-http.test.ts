import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockFleet, startMockFleet } from "../run/mock-fleet.js";
import { loadProfile, toVendorSpec } from "../scenario/loader.js";
import { PROFILES_DIR } from "../scenario/registry.js";

/**
 * Every built-in profile's wire format served over real loopback: a plain answer
 * and a stream, each in the vendor's own paths, auth and content types.
 */
interface Case {
  profile: string;
  model: string;
  path(model: string, stream: boolean): string;
  headers: Record<string, string>;
  body(model: string, stream: boolean): unknown;
  streamType: RegExp;
}

const text = "Say hello";
const CASES: Case[] = [
  {
    profile: "openai",
    model: "gpt-4o-mini",
    path: () => "/v1/chat/completions",
    headers: { authorization: "Bearer sk-1" },
    body: (model, stream) => ({
      model,
      messages: [{ role: "user", content: text }],
      max_tokens: 8,
      stream,
    }),
    streamType: /^text\/event-stream/,
  },
  {
    profile: "azure",
    model: "gpt-4o-mini",
    path: (model) => `/openai/deployments/${model}/chat/completions?api-version=2024-10-21`,
    headers: { "api-key": "k" },
    body: (_model, stream) => ({
      messages: [{ role: "user", content: text }],
      max_tokens: 8,
      stream,
    }),
    streamType: /^text\/event-stream/,
  },
  {
    profile: "anthropic",
    model: "claude-sonnet-4-5",
    path: () => "/v1/messages",
    headers: { "x-api-key": "k", "anthropic-version": "2023-06-01" },
    body: (model, stream) => ({
      model,
      max_tokens: 8,
      messages: [{ role: "user", content: text }],
      stream,
    }),
    streamType: /^text\/event-stream/,
  },
  {
    profile: "gemini",
    model: "gemini-2.5-flash",
    path: (model, stream) =>
      `/v1beta/models/${model}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
    headers: { "x-goog-api-key": "k" },
    body: () => ({
      contents: [{ role: "user", parts: [{ text }] }],
      generationConfig: { maxOutputTokens: 8 },
    }),
    streamType: /^text\/event-stream/,
  },
  {
    profile: "bedrock",
    model: "anthropic.claude-sonnet-4-5-v1:0",
    path: (model, stream) =>
      `/model/${encodeURIComponent(model)}/${stream ? "converse-stream" : "converse"}`,
    headers: {
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIA/20261124/us-east-1/bedrock/aws4_request, Signature=x",
    },
    body: () => ({
      messages: [{ role: "user", content: [{ text }] }],
      inferenceConfig: { maxTokens: 8 },
    }),
    // JSON lines standing in for AWS's binary event-stream framing (see bedrock.ts).
    streamType: /ndjson/,
  },
];

let fleet: MockFleet;

beforeAll(async () => {
  const vendors = CASES.map((c) =>
    toVendorSpec(c.profile, loadProfile(join(PROFILES_DIR, `${c.profile}.yaml`), process.cwd())),
  );
  fleet = await startMockFleet({
    vendors,
    faults: [],
    seed: 1,
    speed: 100,
    host: "127.0.0.1",
    scenarioDurationMs: 0,
  });
});

afterAll(async () => {
  await fleet.close();
});

describe.each(CASES)("$profile over real HTTP", (c) => {
  const origin = () => fleet.servers.find((s) => s.vendor === c.profile)!.origin;
  const call = (stream: boolean, headers = c.headers) =>
    fetch(`${origin()}${c.path(c.model, stream)}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(c.body(c.model, stream)),
    });

  it("answers a plain request with JSON", async () => {
    const res = await call(false);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/json/);
    expect(await res.json()).toBeTypeOf("object");
  });

  it("streams a streamed request", async () => {
    const res = await call(true);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(c.streamType);
    const body = await res.text();
    // One frame per token at least: a stream, not one JSON answer.
    expect(body.split(/\n\n|\r\n\r\n|\n/).filter((f) => f.trim() !== "").length).toBeGreaterThan(8);
  });

  it("refuses a request without a key in its own JSON shape", async () => {
    const res = await call(false, {});
    expect([401, 403]).toContain(res.status);
    expect(await res.json()).toBeTypeOf("object");
  });
});
