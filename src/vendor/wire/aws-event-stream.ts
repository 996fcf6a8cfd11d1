/**
 * AWS's binary event-stream framing (application/vnd.amazon.eventstream), as
 * Bedrock's ConverseStream sends it: per message a prelude (total length, headers
 * length, CRC32 of both), string headers (:event-type, :content-type,
 * :message-type), a JSON payload and a CRC32 of the whole message. Frames are
 * returned as latin1 strings, one byte per character, so they concatenate like
 * any other stream frames; the writer's `encoding` tells the server to write them
 * as bytes.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), as the event-stream prelude and message checksums use. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const STRING_HEADER = 7;

/** A message's headers as bytes: each a name, the string type, a length and a value. */
function encodeHeaders(headers: Record<string, string>): Buffer {
  const headerParts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name, "utf8");
    const valueBytes = Buffer.from(value, "utf8");
    const part = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
    let at = part.writeUInt8(nameBytes.length, 0);
    at += nameBytes.copy(part, at);
    at = part.writeUInt8(STRING_HEADER, at);
    at = part.writeUInt16BE(valueBytes.length, at);
    valueBytes.copy(part, at);
    headerParts.push(part);
  }
  return Buffer.concat(headerParts);
}

/**
 * The headers of each kind of message, encoded once: a stream sends the same few
 * kinds again and again (a contentBlockDelta per token), and encoding them each
 * time was most of a frame's cost. Keyed by event or exception type, which only
 * this project's code names.
 */
const EVENT_HEADERS = new Map<string, Buffer>();
const EXCEPTION_HEADERS = new Map<string, Buffer>();

/**
 * Where a message is put together before it becomes a string: one buffer reused,
 * not one made per frame (making a Buffer costs more than filling it).
 */
const SCRATCH = Buffer.alloc(64 * 1024);

function encodeMessage(headerBytes: Buffer, payload: string): string {
  const payloadLength = Buffer.byteLength(payload, "utf8");
  const total = 12 + headerBytes.length + payloadLength + 4;
  const message = total <= SCRATCH.length ? SCRATCH : Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  message.writeUInt32BE(crc32(message, 0, 8), 8);
  headerBytes.copy(message, 12);
  message.write(payload, 12 + headerBytes.length, payloadLength, "utf8");
  message.writeUInt32BE(crc32(message, 0, total - 4), total - 4);
  return message.toString("latin1", 0, total);
}

/** One event (messageStart, contentBlockDelta, ...) with its JSON payload. */
export function eventFrame(eventType: string, payload: unknown): string {
  let headers = EVENT_HEADERS.get(eventType);
  if (headers === undefined) {
    headers = encodeHeaders({
      ":event-type": eventType,
      ":content-type": "application/json",
      ":message-type": "event",
    });
    EVENT_HEADERS.set(eventType, headers);
  }
  return encodeMessage(headers, JSON.stringify(payload));
}

/** An error after the 200 (serviceUnavailableException, ...). */
export function exceptionFrame(exceptionType: string, payload: unknown): string {
  let headers = EXCEPTION_HEADERS.get(exceptionType);
  if (headers === undefined) {
    headers = encodeHeaders({
      ":exception-type": exceptionType,
      ":content-type": "application/json",
      ":message-type": "exception",
    });
    EXCEPTION_HEADERS.set(exceptionType, headers);
  }
  return encodeMessage(headers, JSON.stringify(payload));
}

export const EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";
