import { describe, expect, it } from "vitest";
import { OpenAiSseReader } from "./sse-reader.js";

const chunk = (delta: object, extra = "") =>
  `{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":${JSON.stringify(delta)}}]${extra}}`;

describe("OpenAiSseReader", () => {
  it("finds the first token even when events arrive split across reads", () => {
    const reader = new OpenAiSseReader();
    const text = `data: ${chunk({ role: "assistant", content: "" })}\n\ndata: ${chunk({ content: "Hi" })}\n\ndata: [DONE]\n\n`;
    const cut = text.indexOf("Hi") - 3;
    expect(reader.push(text.slice(0, cut))).toBe(false); // the empty first delta is not a token
    expect(reader.push(text.slice(cut))).toBe(true);
    expect(reader.sawDone).toBe(true);
  });

  it("accepts CRLF line ends, data: without a space and comment lines", () => {
    const reader = new OpenAiSseReader();
    reader.push(`: keep-alive\r\n\r\ndata:${chunk({ content: "x" })}\r\n\r\ndata: [DONE]\r\n\r\n`);
    expect(reader.sawContent).toBe(true);
    expect(reader.sawDone).toBe(true);
  });

  it("reads a CRLF split between two reads as one line end, not the end of an event", () => {
    const text = `data: {"choices":[],\r\ndata: "usage":{"prompt_tokens":5,"completion_tokens":7}}\r\n\r\ndata: [DONE]\r\n\r\n`;
    // Every place the text can be cut, the CR of a CRLF on either side of the cut included.
    for (let cut = 1; cut < text.length; cut++) {
      const reader = new OpenAiSseReader();
      reader.push(text.slice(0, cut));
      reader.push(text.slice(cut));
      expect(reader.usage, `cut at ${cut}`).toEqual({ prompt: 5, completion: 7 });
      expect(reader.sawDone).toBe(true);
    }
  });

  it("reads usage, and notes an error event after a 200", () => {
    const reader = new OpenAiSseReader();
    reader.push(`data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7}}\n\n`);
    expect(reader.usage).toEqual({ prompt: 5, completion: 7 });
    reader.push(`data: {"error":{"message":"boom","type":"server_error"}}\n\n`);
    expect(reader.sawError).toBe(true);
    expect(reader.sawDone).toBe(false);
  });

  it("reads a stream of bytes cut anywhere, ASCII reads and others mixed, as it reads it whole", () => {
    const text =
      `data: ${chunk({ role: "assistant", content: "" })}\n\n` +
      `data: ${chunk({ content: "café " })}\n\n` +
      `data: ${chunk({ content: "plain" })}\n\n` +
      `data: ${chunk({ content: "€" })}\n\n` +
      `data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}\n\ndata: [DONE]\n\n`;
    const bytes = Buffer.from(text, "utf8");
    const read = (pieces: Uint8Array[]) => {
      const reader = new OpenAiSseReader();
      for (const piece of pieces) reader.push(piece);
      return [reader.contentFrames, reader.usage, reader.complete, reader.sawError];
    };
    const whole = read([bytes]);
    expect(whole).toEqual([3, { prompt: 5, completion: 3 }, true, false]);
    // Two cuts: the reads before, between and after them are ASCII or not by turns.
    for (let a = 1; a < bytes.length; a += 7) {
      for (let b = a + 1; b < bytes.length; b += 13) {
        // The middle one a plain Uint8Array, not a Buffer, as a caller may hand it.
        const pieces: Uint8Array[] = [
          bytes.subarray(0, a),
          new Uint8Array(bytes.subarray(a, b)),
          bytes.subarray(b),
        ];
        expect(read(pieces), `cut at ${a} and ${b}`).toEqual(whole);
      }
    }
  });
});
