import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Cancel, Scheduler } from "../clock/clock.js";
import { IdMap } from "../collections/id-map.js";
import { REQUEST_ID_HEADER, type VendorOutcome } from "../findings/vendor-attempt.js";
import { createRng } from "../random/rng.js";
import { generationMs } from "../vendor/latency-model.js";
import { tooLargeMessage, VendorModel } from "../vendor/vendor-model.js";
import { warmUpSpec } from "../vendor/warm-up-spec.js";
import { formatFor } from "../vendor/wire/formats.js";
import {
  COMPLETION_HINT_HEADER,
  isWireResponse,
  type RouteMatch,
  type StreamWriter,
  WARM_UP_HEADER,
  type WireResponse,
} from "../vendor/wire/wire-format.js";
import { AttemptLog, AttemptRecord, askedWaitMs, DEFAULT_ATTEMPT_CAP } from "./attempt-log.js";
import { ControlApi } from "./control-api.js";
import { DueNow } from "./due-now.js";
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
  /** Attempts the server's log keeps (DEFAULT_ATTEMPT_CAP); later ones are counted as dropped. */
  attemptCap?: number;
}

export interface MockServer {
  vendor: string;
  format: string;
  /** What an official SDK takes as its base URL, e.g. http://127.0.0.1:PORT/v1. */
  baseUrl: string;
  origin: string;
  /** Every chat attempt that reached this vendor, as it ended (GET /_gw/attempts). */
  attempts: AttemptLog;
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

/** What a refusal of the vendor model comes to in the attempt log. */
const REFUSAL_OUTCOMES: Record<string, VendorOutcome> = {
  throttle: "throttled",
  quota: "quota",
  overload: "overloaded",
  "server-error": "server-error",
  "unknown-model": "bad-request",
};

/**
 * Outcomes that end with the server's answer written in full; one whose answer
 * did not all leave before the connection closed was abandoned by the caller.
 */
function answeredInFull(outcome: VendorOutcome): boolean {
  return outcome !== "reset" && outcome !== "refused" && outcome !== "stalled";
}

interface StreamState extends PacedStream {
  writer: StreamWriter;
}

/** What an exchange is booked against: its vendor model, attempt log and counters. */
interface Books {
  model: VendorModel;
  attempts: AttemptLog;
  control: ControlApi;
}

/**
 * Node's timers fire on whole milliseconds and never early, so one set for 0.02 ms
 * (a fast vendor's short answer) fires about a millisecond late. Work due within
 * half a millisecond is done at once instead (after the turn's reads), which is
 * nearer its time: at most half a millisecond early or late either way, as the
 * stream pacer's half a tick. Measured on a saturated mock's plain JSON answers, it
 * also cost about a tenth less CPU than the timer (medians 70-75 µs against 78-81).
 */
const HALF_A_TIMER_MS = 0.5;

/** Warm-up attempts a mock logs (in books of their own, which nothing reads). */
const WARM_UP_ATTEMPT_CAP = 100_000;

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
  const attempts = new AttemptLog(model.spec.name, options.attemptCap ?? DEFAULT_ATTEMPT_CAP);
  const control = new ControlApi(model, scheduler, options.scenarioDurationMs ?? 0, attempts);
  const books: Books = { model, attempts, control };
  /**
   * A warm-up call (the harness's, before scenario time starts) goes the same way
   * as any other, booked against a model of its own with room for any load (no
   * faults) and a log of its own: the run's budgets, faults and logs never see it.
   */
  let warmUpBooks: Books | undefined;
  const booksFor = (req: IncomingMessage): Books => {
    if (req.headers[WARM_UP_HEADER] === undefined) return books;
    if (warmUpBooks === undefined) {
      const scratch = new VendorModel(warmUpSpec(model.spec), [], createRng(1));
      const log = new AttemptLog(model.spec.name, WARM_UP_ATTEMPT_CAP);
      warmUpBooks = {
        model: scratch,
        attempts: log,
        control: new ControlApi(scratch, scheduler, 0, log),
      };
    }
    return warmUpBooks;
  };
  /** Answers waiting on the clock, to call off at close (not a Set: see IdMap on why). */
  const pending = new IdMap<Cancel>();
  let nextPending = 0;
  const dueNow = new DueNow();
  /** Wall ms from now to a scenario time (negative once it is past). */
  const wallMsTo = (atMs: number) => {
    const ms = atMs - scheduler.now();
    return scheduler.toWallMs ? scheduler.toWallMs(ms) : ms;
  };
  let nextId = 1;

  const send = (res: ServerResponse, response: WireResponse) => {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(response.status, response.headers);
    res.end(response.body, response.encoding ?? "utf8");
  };
  /** Answers a request refused before its exchange has a close listener, and logs it. */
  const reject = (
    res: ServerResponse,
    response: WireResponse,
    attempt: AttemptRecord,
    log: AttemptLog,
  ) => {
    send(res, response);
    attempt.outcome = res.headersSent ? "bad-request" : "abandoned";
    log.end(attempt, res.headersSent ? response.status : 0, scheduler.now());
  };

  const serveChat = (
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    match: RouteMatch,
    attempt: AttemptRecord,
    { model, attempts, control }: Books,
  ) => {
    const url = req.url ?? "";
    const query = url.includes("?")
      ? new URLSearchParams(url.slice(url.indexOf("?") + 1))
      : undefined;
    const authError = format.checkAuth(req.headers, query);
    if (authError) return reject(res, authError, attempt, attempts);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      const invalid = format.invalidRequest("We could not parse the JSON body of your request.");
      return reject(res, invalid, attempt, attempts);
    }
    const chat = format.parseRequest(body, match);
    if (isWireResponse(chat)) return reject(res, chat, attempt, attempts);
    attempt.model = chat.model;
    attempt.stream = chat.stream;
    // One listener for everything that happens when the exchange ends, however it ends.
    let served = false;
    let closed = false;
    /** Calls off what this exchange still has waiting (its answer's timer, its stream's pacing). */
    let callOff: (() => void) | undefined;
    res.on("close", () => {
      closed = true;
      callOff?.();
      const status = res.headersSent ? res.statusCode : 0;
      control.countStatus(chat.model, status);
      const now = scheduler.now();
      // A served answer holds a slot at the vendor until its connection closes.
      if (served) model.finish(chat.model, 0, now);
      if (!res.writableFinished && answeredInFull(attempt.outcome)) attempt.outcome = "abandoned";
      attempts.end(attempt, status, now);
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
      attempt.outcome = "refused";
      req.socket.destroy(); // unreachable: the connection fails without a byte
      return;
    }
    if (admission.kind === "too-large") {
      attempt.outcome = "bad-request";
      return send(res, format.invalidRequest(tooLargeMessage(admission)));
    }
    if (admission.kind !== "serve") {
      const refusal = format.refusal(admission, Date.now());
      attempt.outcome = REFUSAL_OUTCOMES[admission.kind] ?? "server-error";
      attempt.retryAfterMs = askedWaitMs(refusal);
      return send(res, refusal);
    }
    served = true;
    // Output tokens are charged as they are generated (where the vendor counts them so).
    let charged = 0;
    const generate = (upTo: number) => {
      if (upTo > charged) model.generated(chat.model, upTo - charged, scheduler.now());
      charged = Math.max(charged, upTo);
    };
    if (admission.stall) {
      attempt.outcome = "stalled"; // accepted, never answered: only the caller's timeout ends it
      return;
    }

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
      if (wallMsTo(atMs) < HALF_A_TIMER_MS) {
        // Due (all but) now: no timer round trip, but after this turn's reads (see DueNow).
        // A caller who hung up in those reads has a destroyed socket already, though
        // its response's close event comes only after this runs.
        dueNow.add(() => {
          if (!closed && !req.socket.destroyed) fn();
        });
        return;
      }
      const key = nextPending++;
      const cancel = scheduler.at(atMs, () => {
        pending.delete(key);
        callOff = undefined;
        fn();
      });
      pending.set(key, cancel);
      callOff = () => {
        cancel();
        pending.delete(key);
      };
    };

    if (!chat.stream) {
      later(firstTokenAt + generationMs(tokens, admission.tokensPerSecond), () => {
        // The vendor generated the tokens before the cut, as in sim mode.
        generate(tokens);
        if (cut?.how === "reset") {
          attempt.outcome = "reset";
          dropConnection(res);
        } else if (cut) {
          attempt.outcome = "server-error";
          const refusal = {
            kind: "server-error" as const,
            model: chat.model,
            budget: admission.budget,
          };
          send(res, format.refusal(refusal, Date.now()));
        } else {
          attempt.outcome = "ok";
          send(res, format.completion(completion, admission.budget, Date.now()));
        }
      });
      return;
    }
    later(firstTokenAt, () => {
      if (res.destroyed) return;
      const writer = format.streamWriter(completion, chat, admission.budget, Date.now());
      res.writeHead(200, writer.headers);
      const encoding = writer.encoding ?? "utf8";
      // The opening frames leave with the first tokens, which the pacer writes at
      // once (below, the same instant): one write, and a short answer due whole is
      // headers, frames and end in a single one.
      let opening = writer.start();
      const withOpening = (text: string) => {
        const out = opening + text;
        opening = "";
        return out;
      };
      const stream: StreamState = {
        writer,
        startMs: firstTokenAt,
        tokensPerSecond: admission.tokensPerSecond,
        totalTokens: cut ? tokens : Math.max(1, tokens),
        sent: 0,
        pacerId: -1,
        write: (text) => {
          generate(stream.sent);
          if (!res.destroyed) res.write(withOpening(text), encoding);
        },
        finish: (text) => {
          generate(stream.sent);
          if (res.destroyed) return;
          const out = withOpening(text);
          if (cut?.how === "reset") {
            attempt.outcome = "reset";
            if (out) res.write(out, encoding);
            dropConnection(res);
          } else if (cut) {
            attempt.outcome = "stream-cut";
            res.end(out + writer.error("overload"), encoding);
          } else {
            attempt.outcome = "ok";
            res.end(out + writer.end(), encoding);
          }
        },
      };
      callOff = () => pacer.remove(stream);
      pacer.add(stream);
      // No token written (none due yet, or none to send): the opening goes now.
      if (opening && !res.destroyed && !res.writableEnded) res.write(withOpening(""), encoding);
    });
  };

  const server: Server = createServer(SERVER_OPTIONS, (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path.startsWith("/_gw/")) return control.handle(req, res, path);
    const now = scheduler.now();
    const match = format.match(req.method ?? "GET", path);
    const booked = booksFor(req);
    const { attempts } = booked;
    // A vendor-wide outage: the connection fails before anything is read or answered.
    if (booked.model.isDown(now)) {
      if (match) {
        // Logged from the request line and headers alone: the body is never read.
        const attempt = new AttemptRecord(
          req.headers[REQUEST_ID_HEADER],
          match.modelInPath ?? "",
          match.streamByPath ?? false,
          now,
        );
        attempt.outcome = "refused";
        attempts.end(attempt, 0, now);
      }
      req.socket.destroy();
      return;
    }
    if (!match) {
      req.resume();
      return send(res, format.notFound(`Invalid URL (${req.method} ${path})`));
    }
    const attempt = new AttemptRecord(
      req.headers[REQUEST_ID_HEADER],
      match.modelInPath ?? "",
      match.streamByPath ?? false,
      now,
    );
    attempts.open(attempt);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        reject(res, format.tooLarge(), attempt, attempts);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!refused)
        serveChat(req, res, Buffer.concat(chunks).toString("utf8"), match, attempt, booked);
    });
    req.on("error", () => {
      // The caller hung up before its request was whole (logged once, as abandoned).
      res.destroy();
      attempts.end(attempt, 0, scheduler.now());
    });
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
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const cancel of pending.values()) cancel();
        pending.clear();
        dueNow.clear();
        pacer.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
