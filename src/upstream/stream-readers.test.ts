import { describe, expect, it } from "vitest";
import type { BudgetSnapshot } from "../vendor/vendor-model.js";
import { eventFrame } from "../vendor/wire/aws-event-stream.js";
import { formatFor } from "../vendor/wire/formats.js";
import type { Completion, WireRequest } from "../vendor/wire/wire-format.js";
import { EventStreamReader } from "./event-stream-reader.js";
import { AnthropicSseReader, GeminiSseReader } from "./sse-reader.js";
import { wireClientFor } from "./wire-client.js";

const budget: BudgetSnapshot = {
  requests: { limit: 100, remaining: 90, resetMs: 6000 },
  tokens: { limit: 100_000, remaining: 90_000, resetMs: 6000 },
};
const completion: Completion = {
  id: "c1",
  model: "m",
  createdS: 1_700_000_000,
  promptTokens: 7,
  completionTokens: 5,
  truncated: false,
};
const request: WireRequest = {
  model: "m",
  promptTokens: 7,
  maxTokens: 5,
  stream: true,
  includeUsage: true,
};

/** The bytes the mock writes for one whole streamed answer, or one cut by the error event. */
function streamBytes(format: "anthropic" | "gemini" | "bedrock", cutAfter?: number): Buffer {
  const writer = formatFor(format).streamWriter(completion, request, budget, 1_700_000_000_000);
  let text = writer.start();
  const tokens = cutAfter ?? completion.completionTokens;
  for (let i = 0; i < tokens; i++) text += writer.token(i);
  text += cutAfter === undefined ? writer.end() : writer.error("overload");
  return Buffer.from(text, writer.encoding ?? "utf8");
}

/** Feeds bytes in pieces of `size`; returns how many pushes reported the first token. */
function feed(reader: { push(chunk: Uint8Array): boolean }, bytes: Buffer, size: number): number {
  let firsts = 0;
  for (let at = 0; at < bytes.length; at += size) {
    if (reader.push(bytes.subarray(at, at + size))) firsts++;
  }
  return firsts;
}

describe.each([
  ["anthropic", () => new AnthropicSseReader()],
  ["gemini", () => new GeminiSseReader()],
  ["bedrock", () => new EventStreamReader()],
] as const)("the %s stream reader", (format, make) => {
  it.each([1, 7, 4096])(
    "reads a whole answer fed %i bytes at a time: one first token, usage, the end",
    (size) => {
      const reader = make();
      expect(feed(reader, streamBytes(format), size)).toBe(1);
      expect(reader.contentFrames).toBe(5);
      expect(reader.usage).toEqual({ prompt: 7, completion: 5 });
      expect(reader.complete).toBe(true);
      expect(reader.sawError).toBe(false);
    },
  );

  it("notes the vendor's error event after a 200, and no end", () => {
    const reader = make();
    feed(reader, streamBytes(format, 2), 5);
    expect(reader.contentFrames).toBe(2);
    expect(reader.sawError).toBe(true);
    expect(reader.complete).toBe(false);
    expect(reader.usage).toBeUndefined();
  });

  it("is the reader the format's client hands out", () => {
    expect(wireClientFor(format).streamReader()).toBeInstanceOf(make().constructor);
  });
});

describe("stream readers, edge cases", () => {
  it("Anthropic: a character split across reads, pings, and input tokens before the end", () => {
    const reader = new AnthropicSseReader();
    const text =
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":9,"output_tokens":1}}}\n\n' +
      'event: ping\ndata: {"type": "ping"}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"é"}}\n\n';
    const bytes = Buffer.from(text, "utf8");
    const split = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    expect(reader.push(bytes.subarray(0, split))).toBe(false);
    expect(reader.push(bytes.subarray(split))).toBe(true);
    expect(reader.promptTokens).toBe(9);
    expect(reader.complete).toBe(false);
  });

  it("Gemini: an empty text part is not a token", () => {
    const reader = new GeminiSseReader();
    reader.push(
      'data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"}}]}\r\n\r\n',
    );
    expect(reader.sawContent).toBe(false);
  });

  it("Bedrock: a frame whose CRC fails is an error, and nothing after it is read", () => {
    const good = Buffer.from(eventFrame("contentBlockDelta", { delta: { text: "hi" } }), "latin1");
    const bad = Buffer.from(good);
    bad[bad.length - 6]! ^= 0xff; // a payload byte: the message CRC no longer matches
    const reader = new EventStreamReader();
    reader.push(bad);
    expect(reader.sawError).toBe(true);
    expect(reader.push(good)).toBe(false);
    expect(reader.sawContent).toBe(false);
  });

  it("Bedrock: an empty text delta is not a token", () => {
    const reader = new EventStreamReader();
    reader.push(Buffer.from(eventFrame("contentBlockDelta", { delta: { text: "" } }), "latin1"));
    expect(reader.sawContent).toBe(false);
    expect(reader.messages).toBe(1);
  });
});
