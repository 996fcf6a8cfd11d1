import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Scheduler } from "../clock/clock.js";
import { generationMs } from "../vendor/latency-model.js";
import { tooLargeMessage, type VendorModel } from "../vendor/vendor-model.js";
import { formatFor } from "../vendor/wire/formats.js";
import {
  COMPLETION_HINT_HEADER,
  isWireResponse,
  type RouteMatch,
  type StreamWriter,
  type WireResponse,
} from "../vendor/wire/wire-format.js";
import { ControlApi } from "./control-api.js";
import { type PacedStream, StreamPacer } from "./stream-pacer.js";

/** Bodies above this size are refused, as real vendors refuse them. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Timeouts against clients that hold a socket without finishing a request
 * (slowloris): the headers within 10 s, the whole request within 60 s (an 8 MB
 * body on a slow link), an idle keep-alive socket closed after 30 s. Node checks
 * them every connectionsCheckingInterval (30 s by default): every second here, so
 * they hold to about a second. A request without a Host header is served (node
 * would answer it with an empty 400, not in the vendor's shape).
 */
const SERVER_OPTIONS = {
  headersTimeout: 10_000,
  requestTimeout: 60_000,
  keepAliveTimeout: 30_000,
  connectionsCheckingInterval: 1_000,
  requireHostHeader: false,
};

export interface MockServerOptions {
  model: VendorModel;
  scheduler: Scheduler;
  host?: string;
  port?: number;
  /** For faults posted with times as a share of the scenario ("30%"). */
  scenarioDurationMs?: number;
}

export interface MockServer {
  vendor: string;
  format: string;
  /** What an official SDK takes as its base URL, e.g. http://127.0.0.1:PORT/v1. */
  baseUrl: string;
  origin: string;
  close(): Promise<void>;
}

/**
 * Drops the connection mid-answer: what was written still reaches the client,
 * then the socket closes without the end of the response (a reset to the client).
 */
function dropConnection(res: ServerResponse): void {
  if (res.socket) res.socket.end();
  else res.destroy();
}

interface StreamState extends PacedStream {
  writer: StreamWriter;
}

/**
 * The HTTP edge of one vendor model: a node:http server on loopback that speaks
 * the vendor's wire format. Decisions come from the pure VendorModel and bytes
 * from the pure wire format; this file only reads requests, waits and writes.
 */
export async function startMockServer(options: MockServerOptions): Promise<MockServer> {
  const { model, scheduler } = options;
  const format = formatFor(model.spec.format);
  const host = options.host ?? "127.0.0.1";
  const pacer = new StreamPacer(scheduler, (stream, index) =>
    (stream as StreamState).writer.token(index),
  );
  const control = new ControlApi(model, scheduler, options.scenarioDurationMs ?? 0);
  const pending = new Set<() => void>();
  let nextId = 1;

  const send = (res: ServerResponse, response: WireResponse) => {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  };

  const serveChat = (req: IncomingMessage, res: ServerResponse, raw: string, match: RouteMatch) => {
    const url = req.url ?? "";
    const query = url.includes("?")
      ? new URLSearchParams(url.slice(url.indexOf("?") + 1))
      : undefined;
    const authError = format.checkAuth(req.headers, query);
    if (authError) return send(res, authError);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, format.invalidRequest("We could not parse the JSON body of your request."));
    }
    const chat = format.parseRequest(body, match);
    if (isWireResponse(chat)) return send(res, chat);
    // One listener for everything that happens when the exchange ends, however it ends.
    let served = false;
    res.on("close", () => {
      control.countStatus(chat.model, res.headersSent ? res.statusCode : 0);
      // A served answer holds a slot at the vendor until its connection closes.
      if (served) model.finish(chat.model, 0, scheduler.now());
    });
    control.countClientRetry(req.headers["x-stainless-retry-count"]);
    const hint = Number(req.headers[COMPLETION_HINT_HEADER]);
    const now = scheduler.now();
    const admission = model.admit(
      {
        model: chat.model,
        promptTokens: chat.promptTokens,
        maxTokens: chat.maxTokens,
        completionHint: Number.isInteger(hint) && hint > 0 ? hint : undefined,
      },
      now,
    );
    if (admission.kind === "outage") {
      req.socket.destroy(); // unreachable: the connection fails without a byte
      return;
    }
    if (admission.kind === "too-large")
      return send(res, format.invalidRequest(tooLargeMessage(admission)));
    if (admission.kind !== "serve") return send(res, format.refusal(admission, Date.now()));
    served = true;
    // Output tokens are charged as they are generated (where the vendor counts them so).
    let charged = 0;
    const generate = (upTo: number) => {
      if (upTo > charged) model.generated(chat.model, upTo - charged, scheduler.now());
      charged = Math.max(charged, upTo);
    };
    if (admission.stall) return; // accepted, never answered: only the caller's timeout ends it

    const { cut } = admission;
    const tokens = cut
      ? Math.min(cut.afterTokens, admission.completionTokens)
      : admission.completionTokens;
    const completion = {
      id: `gw${(nextId++).toString(36)}`,
      model: chat.model,
      createdS: Math.floor(Date.now() / 1000), // the wall clock, as a real vendor's
      promptTokens: admission.promptTokens,
      completionTokens: admission.completionTokens,
      truncated: admission.truncated,
    };
    const firstTokenAt = now + admission.ttftMs;
    const later = (atMs: number, fn: () => void) => {
      if (atMs <= scheduler.now()) return fn(); // due already: no timer round trip
      const cancel = scheduler.at(atMs, () => {
        pending.delete(cancel);
        fn();
      });
      pending.add(cancel);
      res.on("close", () => {
        cancel();
        pending.delete(cancel);
      });
    };

    if (!chat.stream) {
      later(firstTokenAt + generationMs(tokens, admission.tokensPerSecond), () => {
        // The vendor generated the tokens before the cut, as in sim mode.
        generate(tokens);
        if (cut?.how === "reset") dropConnection(res);
        else if (cut) {
          const refusal = {
            kind: "server-error" as const,
            model: chat.model,
            budget: admission.budget,
          };
          send(res, format.refusal(refusal, Date.now()));
        } else send(res, format.completion(completion, admission.budget, Date.now()));
      });
      return;
    }
    later(firstTokenAt, () => {
      if (res.destroyed) return;
      const writer = format.streamWriter(completion, chat, admission.budget, Date.now());
      res.writeHead(200, writer.headers);
      const encoding = writer.encoding ?? "utf8";
      const start = writer.start();
      if (start) res.write(start, encoding);
      const stream: StreamState = {
        writer,
        startMs: firstTokenAt,
        tokensPerSecond: admission.tokensPerSecond,
        totalTokens: cut ? tokens : Math.max(1, tokens),
        sent: 0,
        write: (text) => {
          generate(stream.sent);
          if (!res.destroyed) res.write(text, encoding);
        },
        finish: (text) => {
          generate(stream.sent);
          if (res.destroyed) return;
          if (cut?.how === "reset") {
            if (text) res.write(text, encoding);
            dropConnection(res);
          } else if (cut) res.end(text + writer.error("overload"), encoding);
          else res.end(text + writer.end(), encoding);
        },
      };
      res.on("close", () => pacer.remove(stream));
      pacer.add(stream);
    });
  };

  const server: Server = createServer(SERVER_OPTIONS, (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path.startsWith("/_gw/")) return control.handle(req, res, path);
    // A vendor-wide outage: the connection fails before anything is read or answered.
    if (model.isDown(scheduler.now())) {
      req.socket.destroy();
      return;
    }
    const match = format.match(req.method ?? "GET", path);
    if (!match) {
      req.resume();
      return send(res, format.notFound(`Invalid URL (${req.method} ${path})`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        send(res, format.tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!refused) serveChat(req, res, Buffer.concat(chunks).toString("utf8"), match);
    });
    req.on("error", () => res.destroy());
  });
  // Malformed HTTP (bad chunking, two Content-Lengths) still gets the vendor's 400 shape.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === "ECONNRESET") return socket.destroy();
    const response = format.invalidRequest(
      error.code === "HPE_HEADER_OVERFLOW"
        ? "The request headers are too large."
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? "The request was not received in time."
          : "The request could not be read as HTTP.",
    );
    const head = [
      `HTTP/1.1 400 Bad Request`,
      ...Object.entries(response.headers).map(([k, v]) => `${k}: ${v}`),
    ];
    head.push(`content-length: ${Buffer.byteLength(response.body)}`, "connection: close");
    socket.end(`${head.join("\r\n")}\r\n\r\n${response.body}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    vendor: model.spec.name,
    format: format.name,
    origin,
    baseUrl: `${origin}${format.basePath}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const cancel of pending) cancel();
        pending.clear();
        pacer.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
