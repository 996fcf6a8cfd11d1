import type { ClientRetries, PlannedRequest } from "./types.js";

/** The columns of a plan: one entry per request, in order of intended start. */
export interface PlanColumns {
  intendedMs: Float64Array;
  /** 16 bits a count while every size fits, 32 beyond. */
  promptTokens: Uint16Array | Uint32Array;
  completionTokens: Uint16Array | Uint32Array;
  stream: Uint8Array;
  /** Indexes into `names` (8 bits while there are at most 256 names). */
  lane: Uint8Array | Uint16Array;
  class: Uint8Array | Uint16Array;
  tenant: Uint8Array | Uint16Array;
  /** Index into `retriesTable`, or 0 for none (retriesTable[0] is unused). */
  retries: Uint8Array | Uint16Array;
  names: readonly string[];
  retriesTable: readonly (ClientRetries | undefined)[];
}

/**
 * The traffic plan of a run, built whole before it starts (open model), kept as
 * typed columns: about 17 bytes a request, so an hour at 500 requests a second
 * (1.8 million) fits in some 30 MB, where objects would take ten times that.
 * A request's object is made when the engine reaches it, and dropped after.
 */
export class TrafficPlan {
  readonly length: number;

  constructor(private readonly c: PlanColumns) {
    this.length = c.intendedMs.length;
  }

  /** The i-th request, or undefined past the end. */
  at(i: number): PlannedRequest | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const { c } = this;
    const retries = c.retriesTable[c.retries[i]!];
    const request: PlannedRequest = {
      id: i,
      intendedMs: c.intendedMs[i]!,
      lane: c.names[c.lane[i]!]!,
      class: c.names[c.class[i]!]!,
      tenant: c.names[c.tenant[i]!]!,
      promptTokens: c.promptTokens[i]!,
      completionTokens: c.completionTokens[i]!,
      stream: c.stream[i] === 1,
    };
    // Set after, not spread in: a spread builds the object the slow way.
    if (retries) request.clientRetries = { ...retries };
    return request;
  }

  /** When the i-th request is meant to start (no object made). */
  intendedAt(i: number): number | undefined {
    return i < this.length ? this.c.intendedMs[i] : undefined;
  }

  toArray(): PlannedRequest[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i)!);
  }
}

/** What the engine needs of a plan: a TrafficPlan, or a plain array in tests. */
export interface PlanSource {
  readonly length: number;
  at(i: number): PlannedRequest | undefined;
}
