import { join } from "node:path";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
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
  /** Frames in a streamed body: SSE events, or event-stream messages for Bedrock. */
  frames?: (body: Buffer) => number;
}

const sseFrames = (body: Buffer) =>
  body
    .toString("utf8")
    .split(/\r?\n\r?\n/)
    .filter((f) => f.trim() !== "").length;

/** Bedrock's binary frames, decoded (CRCs checked) with AWS's own codec. */
const eventStreamFrames = (body: Buffer) => {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  let count = 0;
  for (let at = 0; at < body.length; count++) {
    const length = body.readUInt32BE(at);
    codec.decode(body.subarray(at, at + length));
    at += length;
  }
  return count;
};

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
    streamType: /^application\/vnd\.amazon\.eventstream$/,
    frames: eventStreamFrames,
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
    const body = Buffer.from(await res.arrayBuffer());
    // One frame per token at least: a stream, not one JSON answer.
    expect((c.frames ?? sseFrames)(body)).toBeGreaterThan(8);
  });

  it("refuses a request without a key in its own JSON shape", async () => {
    const res = await call(false, {});
    expect([401, 403]).toContain(res.status);
    expect(await res.json()).toBeTypeOf("object");
  });
});

// The opening frames leave with the first tokens: a stream cut before any still opens.
describe("a stream cut before its first token", () => {
  it("still opens with Anthropic's message_start, then carries the error", async () => {
    const c = CASES.find((k) => k.profile === "anthropic")!;
    const origin = fleet.servers.find((s) => s.vendor === c.profile)!.origin;
    const fault = await fetch(`${origin}/_gw/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "stream-error", afterTokens: 0, count: 1 }),
    });
    expect(fault.status).toBe(201);
    const res = await fetch(`${origin}${c.path(c.model, true)}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...c.headers },
      body: JSON.stringify(c.body(c.model, true)),
    });
    expect(res.status).toBe(200);
    const events = (await res.text())
      .split(/\n\n/)
      .filter((f) => f.trim() !== "")
      .map((f) => /^event: (\S+)/.exec(f)?.[1]);
    expect(events[0]).toBe("message_start");
    expect(events.at(-1)).toBe("error");
    expect(events).not.toContain("content_block_delta");
  });
});
