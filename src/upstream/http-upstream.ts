import type { IncomingHttpHeaders } from "node:http";
import { type Dispatcher, Pool } from "undici";
import type { Clock } from "../clock/clock.js";
import { formatRequestIdHeader, REQUEST_ID_HEADER } from "../findings/vendor-attempt.js";
import type { VendorSpec, WireFormatName } from "../vendor/types.js";
import { COMPLETION_HINT_HEADER, WARM_UP_HEADER } from "../vendor/wire/wire-format.js";
import type { StreamReader } from "./sse-reader.js";
import {
  type Attempt,
  type AttemptResult,
  ERROR_BODY_BYTES,
  NO_USAGE,
  type Upstream,
  type Usage,
} from "./upstream.js";
import { type WireCall, type WireClient, wireClientFor } from "./wire-client.js";

/** Where one vendor listens and the wire format it speaks. */
export interface VendorEndpoint {
  origin: string;
  format: WireFormatName;
  /** A path the endpoint serves under (a gateway at http://host/llm): put before every request's. */
  pathPrefix?: string;
  /** Headers sent with every request to it beside the format's own (a gateway's config). */
  headers?: (attempt: Attempt) => Readonly<Record<string, string>> | undefined;
}

interface Route {
  pool: Pool;
  client: WireClient;
  endpoint: VendorEndpoint;
  /** Calls already built, by model, prompt and answer size and streaming (all but the hint). */
  calls: Map<string, WireCall>;
  /** Characters of the bodies kept in `calls`. */
  callChars: number;
}

/**
 * Characters of built bodies kept per route. A run whose sizes repeat (a fixed size,
 * a replayed trace) builds each body once; one with sizes drawn from wide ranges
 * rarely meets a size twice, so what is kept is bounded, oldest let go first.
 */
const CALL_CHARS_KEPT = 4_000_000;

/** Connections a warm-up opens per vendor, and how often it sends on each. */
const WARM_UP_CONNECTIONS = 32;
const WARM_UP_ROUNDS = 4;

/**
 * Chat calls a warm-up keeps in flight, and the wall time it may take at most
 * (cold, on a busy machine, 2,000 calls took about a second).
 */
const WARM_UP_CALLS_AT_ONCE = 64;
const WARM_UP_MAX_MS = 2_000;
/** A warm-up call's prompt and answer, in tokens: a short chat. */
const WARM_UP_PROMPT_TOKENS = 64;
const WARM_UP_COMPLETION_TOKENS = 16;

/** A kind of chat call to warm up with: a route of the run, streamed or not. */
export interface WarmUpCall {
  vendor: string;
  model: string;
  stream: boolean;
}

/**
 * Live mode's way to a vendor: real HTTP through one keep-alive undici Pool per
 * vendor, in that vendor's own wire format (OpenAI, Azure, Anthropic, Gemini or
 * Bedrock), streamed answers read as they arrive.
 */
export class HttpUpstream implements Upstream {
  private readonly routes = new Map<string, Route>();
  private promptText = "";

  /** The upstream to a fleet of mocks: each vendor's origin, in the format its spec names. */
  static forMocks(
    vendors: readonly VendorSpec[],
    mocks: readonly { vendor: string; origin: string }[],
    clock: Clock,
    connectionsPerVendor?: number,
  ): HttpUpstream {
    const endpoints = new Map<string, VendorEndpoint>();
    for (const mock of mocks) {
      const spec = vendors.find((v) => v.name === mock.vendor);
      if (!spec) throw new Error(`no vendor spec for mock "${mock.vendor}"`);
      endpoints.set(mock.vendor, { origin: mock.origin, format: spec.format });
    }
    return new HttpUpstream(endpoints, clock, connectionsPerVendor);
  }

  constructor(
    endpoints: ReadonlyMap<string, VendorEndpoint>,
    private readonly clock: Clock,
    connectionsPerVendor = 128,
  ) {
    for (const [vendor, endpoint] of endpoints) {
      this.routes.set(vendor, {
        pool: new Pool(endpoint.origin, { connections: connectionsPerVendor, pipelining: 1 }),
        client: wireClientFor(endpoint.format),
        endpoint,
        calls: new Map(),
        callChars: 0,
      });
    }
  }

  send(attempt: Attempt, onDone: (result: AttemptResult) => void): () => void {
    return this.dispatch(attempt, onDone, false);
  }

  /** This upstream with every call marked as warm-up, which the mocks book apart (a rehearsal's). */
  asWarmUp(): Upstream {
    return {
      send: (attempt, onDone) => this.dispatch(attempt, onDone, true),
      close: async () => {},
    };
  }

  private dispatch(
    attempt: Attempt,
    onDone: (result: AttemptResult) => void,
    warmUp: boolean,
  ): () => void {
    const route = this.routes.get(attempt.vendor);
    if (!route) throw new Error(`no origin for vendor "${attempt.vendor}"`);
    const call = this.call(route, attempt, warmUp);
    const exchange = new Exchange(attempt, route.client, this.clock, onDone);
    route.pool.dispatch(
      { method: "POST", path: call.path, headers: call.headers, body: call.body },
      exchange,
    );
    return () => exchange.abort();
  }

  /**
   * Before the run's clock starts, opens connections to every mock and warms the
   * chat path on both sides. A cold harness spends its first tens of milliseconds
   * opening sockets, and its first second or so running the chat path (its own and
   * the mocks', on their thread) uncompiled: at thousands of requests a second, that
   * start shows as send lag and latency that are the harness's, not the load's.
   *
   * First a few control requests (`GET /_gw/state`) on each connection, then `count`
   * chat calls of the given kinds in turn, the way the run sends them, marked as warm-up:
   * the mocks book them apart (see WARM_UP_HEADER), so no budget, fault or log of
   * the run sees them. Failures are ignored: the run will meet them. An abort (Ctrl-C
   * during start-up) sends no more.
   */
  async warmUp(calls: readonly WarmUpCall[] = [], count = 0, signal?: AbortSignal): Promise<void> {
    await this.openConnections(WARM_UP_CONNECTIONS);
    if (calls.length === 0) return;
    // Wall time: this runs before scenario time starts.
    const until = performance.now() + WARM_UP_MAX_MS;
    let sent = 0;
    const sender = async () => {
      while (sent < count && performance.now() < until && !signal?.aborted) {
        const { vendor, model, stream } = calls[sent % calls.length]!;
        sent++;
        const attempt: Attempt = {
          requestId: sent,
          clientTry: 0,
          vendor,
          model,
          promptTokens: WARM_UP_PROMPT_TOKENS,
          maxTokens: WARM_UP_COMPLETION_TOKENS,
          completionHint: WARM_UP_COMPLETION_TOKENS,
          stream,
        };
        await new Promise<unknown>((resolve) => this.dispatch(attempt, resolve, true));
      }
    };
    await Promise.all(Array.from({ length: WARM_UP_CALLS_AT_ONCE }, sender));
  }

  /** Opens connections to every mock, each sent a few control requests that spend no budget. */
  private async openConnections(concurrency: number): Promise<void> {
    const rounds = [...this.routes.values()].map(async ({ pool }) => {
      for (let round = 0; round < WARM_UP_ROUNDS; round++)
        await Promise.all(
          Array.from({ length: concurrency }, () =>
            pool
              .request({ method: "GET", path: "/_gw/state" })
              .then((response) => response.body.dump())
              .catch(() => undefined),
          ),
        );
    });
    await Promise.all(rounds);
  }

  async close(): Promise<void> {
    await Promise.all([...this.routes.values()].map((route) => route.pool.destroy()));
  }

  /** The request for an attempt: built once per shape, then only its hint header differs. */
  private call(route: Route, attempt: Attempt, warmUp: boolean): WireCall {
    const key = `${attempt.model}|${attempt.promptTokens}|${attempt.maxTokens}|${attempt.stream}`;
    let call = route.calls.get(key);
    if (call === undefined) {
      call = route.client.request(attempt, this.prompt(attempt.promptTokens));
      const prefix = route.endpoint.pathPrefix;
      if (prefix) call.path = prefix + call.path;
      this.keep(route, key, call);
    }
    // Object.assign, not spreads into a literal: V8 builds this (once per request)
    // about ten times faster so (3 us against 0.2 us).
    const headers: Record<string, string> = Object.assign(
      {},
      call.headers,
      route.endpoint.headers?.(attempt),
    );
    headers[COMPLETION_HINT_HEADER] = String(attempt.completionHint);
    // Which request and client try this is, for the vendor side's log (and a gateway's).
    headers[REQUEST_ID_HEADER] = formatRequestIdHeader(attempt.requestId, attempt.clientTry);
    if (warmUp) headers[WARM_UP_HEADER] = "1";
    return { path: call.path, body: call.body, headers };
  }

  private keep(route: Route, key: string, call: WireCall): void {
    const chars = call.body.length;
    if (chars > CALL_CHARS_KEPT / 4) return; // a huge prompt would push out everything else
    route.calls.set(key, call);
    route.callChars += chars;
    for (const [oldKey, old] of route.calls) {
      if (route.callChars <= CALL_CHARS_KEPT) break;
      route.calls.delete(oldKey);
      route.callChars -= old.body.length;
    }
  }

  /**
   * A prompt of about the given number of tokens (four characters each): a slice of
   * one long text, grown as needed, so no prompt is built or kept twice.
   */
  private prompt(tokens: number): string {
    const chars = tokens * 4;
    if (this.promptText.length < chars) this.promptText = "word".repeat(Math.max(tokens, 1024) * 2);
    return this.promptText.slice(0, chars);
  }
}

/** Why an attempt's abort() was called: never reported, the caller moved on. */
const ABORTED = new Error("attempt aborted");

/**
 * One attempt on the wire, as an undici dispatch handler: the answer's bytes
 * go straight to the format's stream reader (or are kept, for a JSON answer or
 * an error body) as they arrive. The live hot path: no response stream, promise
 * or abort signal per attempt (undici's request() would make each).
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private aborted = false;
  /** onDone was called: whatever undici says after is not heard. */
  private settled = false;
  private status = 0;
  private headers: Record<string, string> = {};
  private reader: StreamReader | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private firstTokenMs: number | undefined;

  constructor(
    private readonly attempt: Attempt,
    private readonly client: WireClient,
    private readonly clock: Clock,
    private readonly onDone: (result: AttemptResult) => void,
  ) {}

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.controller?.abort(ABORTED);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.aborted) controller.abort(ABORTED);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // informational: the answer is still to come
    this.status = statusCode;
    this.headers = flattenHeaders(headers);
    if (this.attempt.stream && statusCode <= 299) this.reader = this.client.streamReader();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    if (this.reader) {
      try {
        if (this.reader.push(chunk) && this.firstTokenMs === undefined)
          this.firstTokenMs = this.clock.now();
      } catch (error) {
        // A frame the reader cannot read (bad JSON) breaks the stream off here.
        this.done(this.streamed(true));
        controller.abort(error as Error);
      }
      return;
    }
    // The router reads how long to wait from some error bodies (Gemini's RetryInfo):
    // their first ERROR_BODY_BYTES are kept; a JSON answer is kept whole.
    if (this.status > 299 && this.size >= ERROR_BODY_BYTES) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  onResponseEnd(): void {
    if (this.aborted || this.settled) return;
    const { status, headers } = this;
    if (this.reader) {
      this.done(this.streamed(false));
      return;
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    if (status > 299) {
      const body = all.toString("utf8", 0, Math.min(all.length, ERROR_BODY_BYTES));
      this.done({ status, headers, usage: NO_USAGE, body });
      return;
    }
    let usage: Usage | undefined;
    try {
      usage = this.client.usage(JSON.parse(all.toString("utf8")));
    } catch {
      // An answer that is not JSON is a broken connection to the router, as before.
      this.done({ status: 0, headers: {}, transport: "connection", usage: NO_USAGE });
      return;
    }
    this.done({ status, headers, usage: usage ?? NO_USAGE });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.aborted || this.settled) return;
    // A 200 whose stream broke off is a failed stream, with what the vendor sent billed.
    if (this.reader) this.done(this.streamed(true));
    else this.done({ status: 0, headers: {}, transport: transportFailure(error), usage: NO_USAGE });
  }

  private streamed(broken: boolean): AttemptResult {
    const reader = this.reader!;
    // A stream cut short states no usage: the vendor still billed what it sent.
    const usage = reader.usage ?? {
      prompt: reader.promptTokens ?? this.attempt.promptTokens,
      completion: reader.contentFrames,
    };
    const result: AttemptResult = { status: this.status, headers: this.headers, usage };
    if (this.firstTokenMs !== undefined) result.firstTokenMs = this.firstTokenMs;
    // A 200 whose stream broke off or carried an error is a failure, not a success.
    if (broken || reader.sawError || !reader.complete) result.transport = "stream-error";
    if (!broken && !reader.sawError && !reader.complete) result.truncated = true;
    return result;
  }

  private done(result: AttemptResult): void {
    this.settled = true;
    // The wall time of the answer: what Anthropic's absolute resets count from.
    result.epochMs = Date.now();
    this.onDone(result);
  }
}

/**
 * Lower-case names to one string each (a repeated header's values joined, as
 * fetch does). undici hands each answer its own fresh object: it is kept and
 * only its rare repeated headers are rewritten, rather than copied whole.
 */
function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) headers[name] = value.join(", ");
    else if (value === undefined) delete headers[name];
  }
  return headers as Record<string, string>;
}

function transportFailure(error: unknown): "timeout" | "connection" {
  const code = (error as { code?: string } | null)?.code ?? "";
  return code.includes("TIMEOUT") ? "timeout" : "connection";
}
