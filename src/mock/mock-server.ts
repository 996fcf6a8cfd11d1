import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Scheduler } from "../clock/clock.js";
import { generationMs } from "../vendor/latency-model.js";
import type { VendorModel } from "../vendor/vendor-model.js";
import {
  CHAT_PATH,
  COMPLETION_HINT_HEADER,
  completionBody,
  invalidRequest,
  isWireResponse,
  notFound,
  OpenAiStreamWriter,
  parseChatRequest,
  rateLimitHeaders,
  refusal,
  SSE_HEADERS,
  unauthorized,
  type WireResponse,
} from "../vendor/wire/openai.js";
import { type PacedStream, StreamPacer } from "./stream-pacer.js";

/** Bodies above this size are refused, as real vendors refuse them. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface MockServerOptions {
  model: VendorModel;
  scheduler: Scheduler;
  host?: string;
  port?: number;
}

export interface MockServer {
  vendor: string;
  /** What an official SDK takes as its base URL, e.g. http://127.0.0.1:PORT/v1. */
  baseUrl: string;
  origin: string;
  close(): Promise<void>;
}

interface StreamState extends PacedStream {
  writer: OpenAiStreamWriter;
}

/**
 * The HTTP edge of one vendor model: a node:http server on loopback that speaks
 * the vendor's wire format. Decisions come from the pure VendorModel; this file
 * only reads requests, waits and writes bytes.
 */
export async function startMockServer(options: MockServerOptions): Promise<MockServer> {
  const { model, scheduler } = options;
  const host = options.host ?? "127.0.0.1";
  const pacer = new StreamPacer(scheduler, (stream, index) =>
    (stream as StreamState).writer.token(index),
  );
  const pending = new Set<() => void>();
  let nextId = 1;

  const send = (res: ServerResponse, response: WireResponse) => {
    if (res.destroyed) return;
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  };

  const serveChat = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    if (!/^Bearer \S+/.test(req.headers.authorization ?? "")) return send(res, unauthorized());
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, invalidRequest("We could not parse the JSON body of your request.", null));
    }
    const chat = parseChatRequest(body);
    if (isWireResponse(chat)) return send(res, chat);
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
    if (admission.kind !== "serve") return send(res, refusal(admission));

    const completion = {
      id: `chatcmpl-gw${(nextId++).toString(36)}`,
      model: chat.model,
      createdS: Math.floor(Date.now() / 1000), // the wall clock, as a real vendor's
      promptTokens: admission.promptTokens,
      completionTokens: admission.completionTokens,
      truncated: admission.truncated,
    };
    const headers = rateLimitHeaders(admission.budget);
    const firstTokenAt = now + admission.ttftMs;
    const later = (atMs: number, fn: () => void) => {
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
      const doneAt =
        firstTokenAt + generationMs(admission.completionTokens, admission.tokensPerSecond);
      later(doneAt, () =>
        send(res, {
          status: 200,
          headers: { "content-type": "application/json", ...headers },
          body: completionBody(completion),
        }),
      );
      return;
    }
    later(firstTokenAt, () => {
      if (res.destroyed) return;
      res.writeHead(200, { ...SSE_HEADERS, ...headers });
      const writer = new OpenAiStreamWriter(completion, chat.includeUsage);
      const stream: StreamState = {
        writer,
        startMs: firstTokenAt,
        tokensPerSecond: admission.tokensPerSecond,
        totalTokens: Math.max(1, admission.completionTokens),
        sent: 0,
        write: (text) => {
          if (!res.destroyed) res.write(text);
        },
        finish: () => {
          if (!res.destroyed) res.end(writer.end());
        },
      };
      res.on("close", () => pacer.remove(stream));
      pacer.add(stream);
    });
  };

  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (req.method === "GET" && url === "/_gw/state") {
      const state = {
        vendor: model.spec.name,
        nowMs: scheduler.now(),
        models: model.state(scheduler.now()),
      };
      return send(res, {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(state),
      });
    }
    if (req.method !== "POST" || url.split("?")[0] !== CHAT_PATH) {
      req.resume();
      return send(res, notFound(`Invalid URL (${req.method} ${url})`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        send(res, { ...invalidRequest("Request body too large.", null), status: 413 });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (size <= MAX_BODY_BYTES) serveChat(req, res, Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", () => res.destroy());
  });
  server.keepAliveTimeout = 30_000;

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
    origin,
    baseUrl: `${origin}/v1`,
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
