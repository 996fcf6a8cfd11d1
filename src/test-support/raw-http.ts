import { connect, type Socket } from "node:net";

/** What came back on a raw connection: one HTTP response, or a close without a byte. */
export type RawAnswer =
  | { kind: "response"; status: number; headers: Record<string, string>; body: Buffer }
  | { kind: "closed" }
  | { kind: "unreadable"; bytes: Buffer };

export interface RawExchangeOptions {
  /** Half-close after writing (a client that stops mid-request). */
  endAfterWrite?: boolean;
  /**
   * Half-close when nothing came back for this long: a client that sent part of a
   * request and gives up (the server cannot tell that from a slow one until then).
   */
  endWhenIdleMs?: number;
  /** Gives up after this long; the caller reports a hang. */
  timeoutMs?: number;
}

/** Decodes a chunked body; undefined while it is incomplete. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf("\r\n", at);
    if (eol < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, eol).toString("latin1"), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Reads one response out of the bytes so far; undefined while it is incomplete. */
function parseResponse(data: Buffer, closed: boolean): RawAnswer | undefined {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) return closed ? { kind: "unreadable", bytes: data } : undefined;
  const [statusLine, ...lines] = data.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "");
  if (!status) return { kind: "unreadable", bytes: data };
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(headEnd + 4);
  let body: Buffer | undefined;
  if (headers["transfer-encoding"]?.includes("chunked")) body = dechunk(rest);
  else if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    body = rest.length >= length ? rest.subarray(0, length) : undefined;
  } else if (closed) body = rest;
  if (body === undefined) return closed ? { kind: "unreadable", bytes: data } : undefined;
  return { kind: "response", status: Number(status[1]), headers, body };
}

/**
 * Writes bytes to a server on a plain TCP socket (no HTTP client to tidy them up)
 * and reads back the first response, or notes that the server closed without one.
 * Rejects on a timeout: the server hung.
 */
export function rawExchange(
  port: number,
  chunks: readonly (string | Uint8Array)[],
  options: RawExchangeOptions = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ port, host: "127.0.0.1" });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (answer: RawAnswer | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(idle);
      socket.destroy();
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer within ${options.timeoutMs ?? 5000} ms`)),
      options.timeoutMs ?? 5000,
    );
    let idle: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      for (const chunk of chunks) socket.write(chunk);
      if (options.endAfterWrite) socket.end();
      else if (options.endWhenIdleMs !== undefined)
        idle = setTimeout(() => socket.end(), options.endWhenIdleMs);
    });
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      clearTimeout(idle);
      const answer = parseResponse(data, false);
      if (answer) finish(answer);
    });
    // A reset after a complete answer is still that answer; a reset before a byte is a close.
    const closed = () =>
      finish(data.length === 0 ? { kind: "closed" } : (parseResponse(data, true) as RawAnswer));
    socket.on("end", closed);
    socket.on("close", closed);
    socket.on("error", () => {});
  });
}

/** A well-formed HTTP/1.1 request, closing the connection after the answer. */
export function httpRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer = "",
): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const head = [
    `${method} ${path} HTTP/1.1`,
    "host: 127.0.0.1",
    "connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...(headers["transfer-encoding"] ? [] : [`content-length: ${bytes.length}`]),
  ];
  return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`), bytes]);
}
