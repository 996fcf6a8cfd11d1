import { crc32 } from "../vendor/wire/aws-event-stream.js";
import type { StreamReader } from "./sse-reader.js";
import type { Usage } from "./upstream.js";

/** No Bedrock event comes near this; a larger length is a corrupt prelude. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Prelude (total length, headers length, prelude CRC) and the message CRC. */
const PRELUDE_BYTES = 12;
const MIN_MESSAGE_BYTES = PRELUDE_BYTES + 4;

/** Bytes of each header value type after its type byte (string and bytes: a length first). */
const FIXED_VALUE_BYTES: Record<number, number> = {
  0: 0,
  1: 0,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  8: 8,
  9: 16,
};
const BYTES_TYPE = 6;
const STRING_TYPE = 7;

/** A message's string headers (:message-type, :event-type, ...); undefined when malformed. */
function stringHeaders(bytes: Buffer, start: number, end: number): Map<string, string> | undefined {
  const headers = new Map<string, string>();
  let at = start;
  while (at < end) {
    const nameLength = bytes[at]!;
    const name = bytes.toString("utf8", at + 1, at + 1 + nameLength);
    at += 1 + nameLength;
    const type = bytes[at++];
    if (type === undefined) return undefined;
    if (type === STRING_TYPE || type === BYTES_TYPE) {
      const length = bytes.readUInt16BE(at);
      if (type === STRING_TYPE) headers.set(name, bytes.toString("utf8", at + 2, at + 2 + length));
      at += 2 + length;
    } else {
      const size = FIXED_VALUE_BYTES[type];
      if (size === undefined) return undefined;
      at += size;
    }
  }
  return at === end ? headers : undefined;
}

/**
 * Bedrock's ConverseStream in AWS's binary event-stream framing, as it arrives:
 * messages split by their prelude, both CRCs checked, then read by type:
 * contentBlockDelta (text), messageStop (the end), metadata (usage). An
 * `exception` message after the 200 (serviceUnavailableException, ...) is the
 * vendor's error; a frame that fails its checks counts as one too.
 */
export class EventStreamReader implements StreamReader {
  private buffer: Buffer = Buffer.alloc(0);
  sawContent = false;
  sawError = false;
  complete = false;
  usage: Usage | undefined;
  readonly promptTokens: number | undefined = undefined;
  contentFrames = 0;
  /** Messages read, of any type. */
  messages = 0;

  push(chunk: string | Uint8Array): boolean {
    if (this.sawError) return false; // nothing after a broken frame can be trusted
    const bytes =
      typeof chunk === "string"
        ? Buffer.from(chunk, "latin1")
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buffer = this.buffer.length === 0 ? bytes : Buffer.concat([this.buffer, bytes]);
    let firstContent = false;
    let at = 0;
    while (this.buffer.length - at >= PRELUDE_BYTES) {
      const total = this.buffer.readUInt32BE(at);
      const headersLength = this.buffer.readUInt32BE(at + 4);
      if (
        total < MIN_MESSAGE_BYTES ||
        total > MAX_MESSAGE_BYTES ||
        headersLength > total - MIN_MESSAGE_BYTES ||
        crc32(this.buffer, at, at + 8) !== this.buffer.readUInt32BE(at + 8)
      ) {
        return this.broken(firstContent);
      }
      if (this.buffer.length - at < total) break;
      const end = at + total;
      if (crc32(this.buffer, at, end - 4) !== this.buffer.readUInt32BE(end - 4)) {
        return this.broken(firstContent);
      }
      const headersEnd = at + PRELUDE_BYTES + headersLength;
      const headers = stringHeaders(this.buffer, at + PRELUDE_BYTES, headersEnd);
      if (!headers) return this.broken(firstContent);
      if (this.message(headers, this.buffer.toString("utf8", headersEnd, end - 4))) {
        firstContent = true;
      }
      at = end;
    }
    this.buffer = at === 0 ? this.buffer : this.buffer.subarray(at);
    return firstContent;
  }

  private broken(firstContent: boolean): boolean {
    this.sawError = true;
    this.buffer = Buffer.alloc(0);
    return firstContent;
  }

  /** One message; true when it carried the first content token. */
  private message(headers: Map<string, string>, payload: string): boolean {
    this.messages++;
    if (headers.get(":message-type") !== "event") {
      // "exception", or "error" (:error-code, :error-message headers).
      this.sawError = true;
      return false;
    }
    switch (headers.get(":event-type")) {
      case "contentBlockDelta":
        if (!/"text":"[^"]/.test(payload)) return false;
        this.contentFrames++;
        if (this.sawContent) return false;
        this.sawContent = true;
        return true;
      case "messageStop":
        this.complete = true;
        return false;
      case "metadata": {
        const usage = (
          JSON.parse(payload) as { usage?: { inputTokens?: number; outputTokens?: number } }
        ).usage;
        if (usage)
          this.usage = { prompt: usage.inputTokens ?? 0, completion: usage.outputTokens ?? 0 };
        return false;
      }
      default:
        return false;
    }
  }
}
