import { isAscii } from "node:buffer";
import { StringDecoder } from "node:string_decoder";
import { contentBegun, holdsErrorOrUsage, nonEmptyAt, quotedAt } from "./json-scan.js";
import type { Usage } from "./upstream.js";

/**
 * What the upstream needs to know of a streamed answer as it arrives, whatever
 * the vendor's framing: when the first token came, the usage the vendor stated,
 * whether its own end marker arrived, and whether it sent an error after the 200.
 */
export interface StreamReader {
  /** Feeds what arrived; true when it carried the first content token. */
  push(chunk: string | Uint8Array): boolean;
  /** Tokens billed, once the vendor stated them at the end. */
  readonly usage: Usage | undefined;
  /** Input tokens stated before the end (Anthropic's message_start), if any. */
  readonly promptTokens: number | undefined;
  /** Frames that carried content: the tokens received, when no usage says. */
  readonly contentFrames: number;
  readonly sawContent: boolean;
  /** The vendor's error event arrived after the 200. */
  readonly sawError: boolean;
  /** The vendor's own end of the stream arrived. */
  readonly complete: boolean;
}

/**
 * Server-sent events as they arrive: events split on blank lines, their `event:`
 * name and `data:` lines joined, handed to the format's reader. Accepts what the
 * SSE spec allows: CRLF or LF line ends, "data:" with or without a space, comment
 * lines. Bytes are decoded as UTF-8 even when a character is split across reads.
 */
export abstract class SseReader implements StreamReader {
  private buffer = "";
  private carriedCr = false;
  private decoder: StringDecoder | undefined;
  sawContent = false;
  sawError = false;
  complete = false;
  usage: Usage | undefined;
  promptTokens: number | undefined;
  contentFrames = 0;

  push(chunk: string | Uint8Array): boolean {
    let text: string;
    if (typeof chunk === "string") text = chunk;
    else if (this.decoder === undefined && isAscii(chunk)) {
      // ASCII, with no character left half-read before it: its bytes are its text, read
      // in a third of the decoder's time. From the first other byte on, the decoder.
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      text = bytes.toString("latin1");
    } else {
      this.decoder ??= new StringDecoder("utf8");
      text = this.decoder.write(chunk as Buffer);
    }
    // A CR that ends a read may be half of a CRLF: it waits for the next read, or
    // the LF after it would count as a second line end and split the event.
    if (this.carriedCr) {
      text = `\r${text}`;
      this.carriedCr = false;
    }
    if (text.endsWith("\r")) {
      this.carriedCr = true;
      text = text.slice(0, -1);
    }
    if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n");
    // Lines are read in place, once each, and what is left of an unfinished event is
    // kept once: a read carries many events. A blank line ends an event.
    const buffer = this.buffer === "" ? text : this.buffer + text;
    let firstContent = false;
    let eventStart = 0;
    let data: string | undefined;
    let name: string | undefined;
    for (
      let line = 0, eol = buffer.indexOf("\n");
      eol !== -1;
      line = eol + 1, eol = buffer.indexOf("\n", line)
    ) {
      if (eol === line) {
        if (data !== undefined && this.data(data, name)) firstContent = true;
        data = undefined;
        name = undefined;
        eventStart = eol + 1;
      } else if (buffer.startsWith("data:", line)) {
        const value = buffer.slice(line + (buffer.charCodeAt(line + 5) === 32 ? 6 : 5), eol);
        data = data === undefined ? value : `${data}\n${value}`;
      } else if (buffer.startsWith("event:", line)) {
        name = buffer.slice(line + (buffer.charCodeAt(line + 6) === 32 ? 7 : 6), eol).trim();
      }
      // Other fields (id, retry) and comments say nothing here.
    }
    // An unfinished event is read again, whole, once the rest of it has come.
    this.buffer = eventStart === 0 ? buffer : buffer.slice(eventStart);
    return firstContent;
  }

  /** One event's data; returns true when it carried the first content token. */
  protected abstract data(data: string, event: string | undefined): boolean;

  /** Counts a frame of content; true for the first one. */
  protected content(): boolean {
    this.contentFrames++;
    if (this.sawContent) return false;
    this.sawContent = true;
    return true;
  }
}

/**
 * OpenAI's (and Azure's) chat completion stream: only `data:` frames, a usage
 * chunk when asked for, an error object after a 200, `data: [DONE]` at the end.
 * Only frames that can carry usage are parsed as JSON.
 */
export class OpenAiSseReader extends SseReader {
  get sawDone(): boolean {
    return this.complete;
  }

  protected data(data: string): boolean {
    if (data === "[DONE]") {
      this.complete = true;
      return false;
    }
    // Most frames are content: one pass tells whether either rarer key is there.
    const errorOrUsage = holdsErrorOrUsage(data);
    if (errorOrUsage && quotedAt(data, 'error"') !== -1) {
      this.sawError = true;
      return false;
    }
    if (errorOrUsage && quotedAt(data, 'usage":{') !== -1) {
      const usage = (
        JSON.parse(data) as { usage: { prompt_tokens: number; completion_tokens: number } }
      ).usage;
      this.usage = { prompt: usage.prompt_tokens, completion: usage.completion_tokens };
    }
    // The first delta may carry an empty content string beside the role: not a token yet.
    return contentBegun(data) ? this.content() : false;
  }
}

/**
 * Anthropic's Messages stream: message_start (input tokens), text deltas,
 * message_delta (output tokens so far, cumulative), message_stop at the end; an
 * `error` event after the 200. Pings and block starts and stops say nothing here.
 */
export class AnthropicSseReader extends SseReader {
  protected data(data: string, event: string | undefined): boolean {
    const type = event ?? /"type":"([^"]+)"/.exec(data)?.[1];
    switch (type) {
      case "content_block_delta":
        return quotedAt(data, 'text_delta"') !== -1 && nonEmptyAt(data, 'text":"')
          ? this.content()
          : false;
      case "message_start": {
        const usage = (JSON.parse(data) as { message?: { usage?: { input_tokens?: number } } })
          .message?.usage;
        if (typeof usage?.input_tokens === "number") this.promptTokens = usage.input_tokens;
        return false;
      }
      case "message_delta": {
        const usage = (
          JSON.parse(data) as { usage?: { input_tokens?: number; output_tokens?: number } }
        ).usage;
        if (typeof usage?.output_tokens === "number") {
          this.usage = {
            prompt: usage.input_tokens ?? this.promptTokens ?? 0,
            completion: usage.output_tokens,
          };
        }
        return false;
      }
      case "message_stop":
        this.complete = true;
        return false;
      case "error":
        this.sawError = true;
        return false;
      default:
        return false;
    }
  }
}

/**
 * Gemini's `?alt=sse` stream: every frame a whole GenerateContentResponse with the
 * next piece of text; the last one carries finishReason and usageMetadata. No end
 * marker, so a finishReason is the end; an error after the 200 is a frame whose
 * top-level key is `error`.
 */
export class GeminiSseReader extends SseReader {
  protected data(data: string): boolean {
    if (/^\s*\{\s*"error"\s*:/.test(data)) {
      this.sawError = true;
      return false;
    }
    if (data.includes('"finishReason"') || data.includes('"usageMetadata"')) {
      const frame = JSON.parse(data) as {
        candidates?: { finishReason?: string }[];
        usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number };
      };
      const usage = frame.usageMetadata;
      if (typeof usage?.promptTokenCount === "number") this.promptTokens = usage.promptTokenCount;
      if (frame.candidates?.some((c) => c.finishReason !== undefined)) {
        this.complete = true;
        if (usage) {
          this.usage = {
            prompt: usage.promptTokenCount ?? 0,
            completion: usage.candidatesTokenCount ?? 0,
          };
        }
      }
    }
    return nonEmptyAt(data, 'text":"') ? this.content() : false;
  }
}
