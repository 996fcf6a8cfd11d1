import { Pool } from "undici";
import type { Clock } from "../clock/clock.js";
import { CHAT_PATH } from "../vendor/wire/openai.js";
import { COMPLETION_HINT_HEADER } from "../vendor/wire/wire-format.js";
import { OpenAiSseReader } from "./sse-reader.js";
import { type Attempt, type AttemptResult, NO_USAGE, type Upstream } from "./upstream.js";

/** The key the harness sends; mocks accept any Bearer key and never echo it. */
const HARNESS_KEY = "sk-gw-chaos-harness";

/**
 * Live mode's way to a vendor: real HTTP through one keep-alive undici Pool per
 * vendor, OpenAI's wire format, streamed answers read as they arrive.
 */
export class HttpUpstream implements Upstream {
  private readonly pools = new Map<string, Pool>();
  private readonly prompts = new Map<number, string>();

  constructor(
    origins: ReadonlyMap<string, string>,
    private readonly clock: Clock,
    connectionsPerVendor = 128,
  ) {
    for (const [vendor, origin] of origins) {
      this.pools.set(
        vendor,
        new Pool(origin, { connections: connectionsPerVendor, pipelining: 1 }),
      );
    }
  }

  send(attempt: Attempt, onDone: (result: AttemptResult) => void): () => void {
    const pool = this.pools.get(attempt.vendor);
    if (!pool) throw new Error(`no origin for vendor "${attempt.vendor}"`);
    const controller = new AbortController();
    const body = JSON.stringify({
      model: attempt.model,
      messages: [{ role: "user", content: this.prompt(attempt.promptTokens) }],
      max_completion_tokens: attempt.maxTokens,
      stream: attempt.stream,
      ...(attempt.stream ? { stream_options: { include_usage: true } } : {}),
    });
    // The wall time of the answer: what Anthropic's absolute resets count from.
    const answered = (result: AttemptResult) => onDone({ ...result, epochMs: Date.now() });
    this.exchange(pool, attempt, body, controller.signal).then(answered, (error: unknown) => {
      if (controller.signal.aborted) return;
      onDone({ status: 0, headers: {}, transport: transportFailure(error), usage: NO_USAGE });
    });
    return () => controller.abort();
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()));
  }

  private async exchange(
    pool: Pool,
    attempt: Attempt,
    body: string,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    const response = await pool.request({
      method: "POST",
      path: CHAT_PATH,
      headers: {
        authorization: `Bearer ${HARNESS_KEY}`,
        "content-type": "application/json",
        [COMPLETION_HINT_HEADER]: String(attempt.completionHint),
      },
      body,
      signal,
    });
    const headers = flattenHeaders(response.headers);
    if (response.statusCode !== 200) {
      await response.body.dump();
      return { status: response.statusCode, headers, usage: NO_USAGE };
    }
    if (!attempt.stream) {
      const json = (await response.body.json()) as {
        usage?: { prompt_tokens: number; completion_tokens: number };
      };
      return {
        status: 200,
        headers,
        usage: json.usage
          ? { prompt: json.usage.prompt_tokens, completion: json.usage.completion_tokens }
          : NO_USAGE,
      };
    }
    const reader = new OpenAiSseReader();
    let firstTokenMs: number | undefined;
    let broken = false;
    response.body.setEncoding("utf8");
    try {
      for await (const text of response.body) {
        if (reader.push(text as string)) firstTokenMs = this.clock.now();
      }
    } catch (error) {
      if (signal.aborted) throw error;
      broken = true;
    }
    // A stream cut short has no usage chunk: the vendor still billed what it sent.
    const usage = reader.usage ?? {
      prompt: attempt.promptTokens,
      completion: reader.contentFrames,
    };
    const result: AttemptResult = { status: 200, headers, usage };
    if (firstTokenMs !== undefined) result.firstTokenMs = firstTokenMs;
    // A 200 whose stream broke off or carried an error is a failure, not a success.
    if (broken || reader.sawError || !reader.sawDone) result.transport = "stream-error";
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

function transportFailure(error: unknown): "timeout" | "connection" {
  const code = (error as { code?: string } | null)?.code ?? "";
  return code.includes("TIMEOUT") ? "timeout" : "connection";
}
