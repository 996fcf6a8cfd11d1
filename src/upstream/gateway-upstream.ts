import type { Clock } from "../clock/clock.js";
import { HttpUpstream, type VendorEndpoint } from "./http-upstream.js";
import type { Attempt, AttemptResult, Upstream } from "./upstream.js";

/**
 * Connections to the gateway per traffic class: enough that a gateway holding many
 * silent calls does not queue the harness's next requests inside its own pool (that
 * wait would be the harness's, reported as the gateway's).
 */
const CONNECTIONS_PER_CLASS = 512;

/** The kinds of gateway `--gateway-kind` names: what each needs to reach the mocks. */
export type GatewayKind = "portkey" | "openai-compatible";

export interface GatewayTarget {
  /** The gateway's URL, e.g. http://127.0.0.1:8787 (a trailing /v1 is allowed). */
  url: string;
  /**
   * Per traffic class: the model name the request asks for, and the headers that
   * take it to that class's mocks (Portkey's x-portkey-config).
   */
  classes: ReadonlyMap<string, { model: string; headers?: Readonly<Record<string, string>> }>;
}

/**
 * The harness as a gateway's client: every attempt goes to the gateway in OpenAI's
 * chat completions format (streamed or not, as the plan says), asking for its
 * class's model with its class's headers; the gateway picks the vendor.
 */
export class GatewayUpstream implements Upstream {
  private readonly http: HttpUpstream;

  constructor(
    private readonly target: GatewayTarget,
    clock: Clock,
  ) {
    const url = new URL(target.url);
    // The OpenAI client asks for /v1/chat/completions: a URL that ends in /v1 says it already.
    const prefix = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
    // One endpoint (and pool) per class, each with its class's headers.
    const endpoints = new Map<string, VendorEndpoint>();
    for (const [name, cls] of target.classes) {
      endpoints.set(name, {
        origin: url.origin,
        format: "openai",
        ...(prefix ? { pathPrefix: prefix } : {}),
        ...(cls.headers ? { headers: () => cls.headers } : {}),
      });
    }
    this.http = new HttpUpstream(endpoints, clock, CONNECTIONS_PER_CLASS);
  }

  /** The attempt's model is its class (the route is gateway/<class>). */
  send(attempt: Attempt, onDone: (result: AttemptResult) => void): () => void {
    const cls = this.target.classes.get(attempt.model);
    if (!cls) throw new Error(`no gateway model for class "${attempt.model}"`);
    return this.http.send({ ...attempt, vendor: attempt.model, model: cls.model }, onDone);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
