import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OpenAiSseReader, SseReader } from "./sse-reader.js";

/** A reader that notes each event it is handed: its data and its name. */
class EventLog extends SseReader {
  readonly events: [string, string | undefined][] = [];
  protected data(data: string, event: string | undefined): boolean {
    this.events.push([data, event]);
    return false;
  }
}

/**
 * The events of a whole stream, read as the SSE spec says, line by line: a blank line
 * dispatches the event if it has data, data lines are joined with LF, a field name is
 * what comes before the first colon (and one space after it is dropped; an event name
 * is trimmed, as the reader does).
 */
function specEvents(text: string): [string, string | undefined][] {
  const events: [string, string | undefined][] = [];
  let data: string[] = [];
  let name: string | undefined;
  for (const line of text.replace(/\r\n?/g, "\n").split("\n").slice(0, -1)) {
    if (line === "") {
      if (data.length > 0) events.push([data.join("\n"), name]);
      data = [];
      name = undefined;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // a comment, or a field with no value: nothing here
    const value = line.slice(colon + (line.charAt(colon + 1) === " " ? 2 : 1));
    if (line.slice(0, colon) === "data") data.push(value);
    else if (line.slice(0, colon) === "event") name = value.trim();
  }
  return events;
}

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

  it("hands on the events the SSE spec reads, whatever the line ends and wherever the reads are cut", () => {
    const line = fc.oneof(
      fc.constantFrom("", "", "data: [DONE]", "data:", "data: ", ": ping", "id: 7", "retry: 10"),
      fc.string({ maxLength: 12 }).map((v) => `data: ${v.replace(/[\r\n]/g, "")}`),
      fc.string({ maxLength: 12 }).map((v) => `data:${v.replace(/[\r\n]/g, "")}`),
      fc.constantFrom("message_start", "ping", " delta ").map((v) => `event: ${v}`),
    );
    const stream = fc.tuple(
      fc.array(fc.tuple(line, fc.constantFrom("\n", "\r\n", "\r")), { maxLength: 30 }),
      fc.array(fc.nat(400), { maxLength: 6 }),
    );
    fc.assert(
      fc.property(stream, ([lines, cuts]) => {
        const text = lines.map(([l, end]) => l + end).join("");
        const reader = new EventLog();
        let from = 0;
        for (const cut of [
          ...cuts.map((c) => c % (text.length + 1)).sort((a, b) => a - b),
          text.length,
        ]) {
          reader.push(text.slice(from, Math.max(from, cut)));
          from = Math.max(from, cut);
        }
        // A lone CR at the very end may yet be half of a CRLF: the spec reader sees it as a line end.
        const whole = text.endsWith("\r") ? text.slice(0, -1) : text;
        expect(reader.events).toEqual(specEvents(whole));
      }),
      { numRuns: 2000 },
    );
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
