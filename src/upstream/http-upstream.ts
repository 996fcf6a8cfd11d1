import { Pool } from "undici";
import type { Clock } from "../clock/clock.js";
import type { VendorSpec, WireFormatName } from "../vendor/types.js";
import {
  type Attempt,
  type AttemptResult,
  ERROR_BODY_BYTES,
  NO_USAGE,
  type Upstream,
} from "./upstream.js";
import { type WireClient, wireClientFor } from "./wire-client.js";

/** Where one vendor listens and the wire format it speaks. */
export interface VendorEndpoint {
  origin: string;
  format: WireFormatName;
}

interface Route {
  pool: Pool;
  client: WireClient;
}

/**
 * Live mode's way to a vendor: real HTTP through one keep-alive undici Pool per
 * vendor, in that vendor's own wire format (OpenAI, Azure, Anthropic, Gemini or
 * Bedrock), streamed answers read as they arrive.
 */
export class HttpUpstream implements Upstream {
  private readonly routes = new Map<string, Route>();
  private readonly prompts = new Map<number, string>();

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
    for (const [vendor, { origin, format }] of endpoints) {
      this.routes.set(vendor, {
        pool: new Pool(origin, { connections: connectionsPerVendor, pipelining: 1 }),
        client: wireClientFor(format),
      });
    }
  }

  send(attempt: Attempt, onDone: (result: AttemptResult) => void): () => void {
    const route = this.routes.get(attempt.vendor);
    if (!route) throw new Error(`no origin for vendor "${attempt.vendor}"`);
    const controller = new AbortController();
    // The wall time of the answer: what Anthropic's absolute resets count from.
    const answered = (result: AttemptResult) => onDone({ ...result, epochMs: Date.now() });
    this.exchange(route, attempt, controller.signal).then(answered, (error: unknown) => {
      if (controller.signal.aborted) return;
      onDone({ status: 0, headers: {}, transport: transportFailure(error), usage: NO_USAGE });
    });
    return () => controller.abort();
  }

  async close(): Promise<void> {
    await Promise.all([...this.routes.values()].map((route) => route.pool.destroy()));
  }

  private async exchange(
    { pool, client }: Route,
    attempt: Attempt,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    const call = client.request(attempt, this.prompt(attempt.promptTokens));
    const response = await pool.request({
      method: "POST",
      path: call.path,
      headers: call.headers,
      body: call.body,
      signal,
    });
    const headers = flattenHeaders(response.headers);
    const status = response.statusCode;
    if (status < 200 || status > 299) {
      // The router reads how long to wait from some bodies (Gemini's RetryInfo).
      return { status, headers, usage: NO_USAGE, body: await cappedText(response.body) };
    }
    if (!attempt.stream) {
      const usage = client.usage(await response.body.json());
      return { status, headers, usage: usage ?? NO_USAGE };
    }
    const reader = client.streamReader();
    let firstTokenMs: number | undefined;
    let broken = false;
    try {
      for await (const chunk of response.body) {
        if (reader.push(chunk as Buffer)) firstTokenMs = this.clock.now();
      }
    } catch (error) {
      if (signal.aborted) throw error;
      broken = true;
    }
    // A stream cut short states no usage: the vendor still billed what it sent.
    const usage = reader.usage ?? {
      prompt: reader.promptTokens ?? attempt.promptTokens,
      completion: reader.contentFrames,
    };
    const result: AttemptResult = { status, headers, usage };
    if (firstTokenMs !== undefined) result.firstTokenMs = firstTokenMs;
    // A 200 whose stream broke off or carried an error is a failure, not a success.
    if (broken || reader.sawError || !reader.complete) result.transport = "stream-error";
    return result;
  }

  /** A prompt of about the given number of tokens (four characters each). */
  private prompt(tokens: number): string {
    let text = this.prompts.get(tokens);
    if (text === undefined) {
      text = "word".repeat(tokens);
      if (this.prompts.size < 4096) this.prompts.set(tokens, text);
    }
    return text;
  }
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** The body as text, its first ERROR_BODY_BYTES only; the rest is read and dropped. */
async function cappedText(body: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size >= ERROR_BODY_BYTES) continue;
    const bytes = chunk as Buffer;
    chunks.push(bytes);
    size += bytes.length;
  }
  const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  return all.toString("utf8", 0, Math.min(all.length, ERROR_BODY_BYTES));
}

function transportFailure(error: unknown): "timeout" | "connection" {
  const code = (error as { code?: string } | null)?.code ?? "";
  return code.includes("TIMEOUT") ? "timeout" : "connection";
}
