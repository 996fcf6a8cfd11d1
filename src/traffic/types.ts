import type { DiurnalShape } from "./diurnal-arrivals.js";
import type { TokenSize } from "../scenario/schema-parts.js";

export type { TokenSize };

/** A tenant an arrival process draws its requests' tenant from, by weight. */
export interface WeightedTenant {
  name: string;
  weight: number;
}

/**
 * Naive client retries: the clients of a traffic retry a failed request themselves,
 * up to max times, each after the same fixed delay (what a retry storm is made of).
 */
export interface ClientRetries {
  max: number;
  delayMs: number;
}

/** What kind of requests an arrival process makes. */
export interface RequestShape {
  lane: string;
  class: string;
  /** The tenant of every request, unless tenants is given. */
  tenant: string;
  /** When given, each request's tenant is drawn from these by weight (seeded). */
  tenants?: readonly WeightedTenant[];
  prompt: TokenSize;
  completion: TokenSize;
  /** Share of requests that stream, 0..1. */
  stream: number;
  clientRetries?: ClientRetries;
}

/** One request of a recorded trace, its time relative to the trace's start. */
export interface TraceRequest {
  /** The line of the trace file it came from (1-based), for problems. */
  line: number;
  atMs: number;
  lane: string;
  /** Absent when the line gave none: the replay arrival's class applies. */
  class?: string;
  tenant: string;
  promptTokens: number;
  completionTokens: number;
  /** Absent when the line gave none: drawn from the replay arrival's stream share. */
  stream?: boolean;
}

export interface RateStep {
  atMs: number;
  /** Requests per second from atMs until the next step. */
  rate: number;
}

export type ArrivalSpec =
  | ({ type: "constant"; rate: number; fromMs: number; untilMs: number } & RequestShape)
  | ({
      type: "spike";
      rate: number;
      fromMs: number;
      riseMs: number;
      holdMs: number;
      fallMs: number;
    } & RequestShape)
  | ({ type: "poisson"; rate: number; fromMs: number; untilMs: number } & RequestShape)
  | ({
      type: "ramp";
      /** Requests per second at fromMs, rising (or falling) linearly to endRate. */
      startRate: number;
      endRate: number;
      fromMs: number;
      forMs: number;
    } & RequestShape)
  | ({ type: "step"; steps: readonly RateStep[] } & RequestShape)
  | ({ type: "diurnal" } & DiurnalShape & RequestShape)
  | {
      type: "replay";
      /** The trace file, as people see it named. */
      file: string;
      /** Scenario time of the trace's time zero. */
      fromMs: number;
      /** 2 plays the trace twice as fast. */
      speed: number;
      /** Sorted by atMs. */
      requests: readonly TraceRequest[];
      /** The class of lines that give none. */
      class?: string;
      /** Share of streaming among lines that do not say. */
      stream: number;
      clientRetries?: ClientRetries;
    };

/** One request of the plan, fixed before the run starts (open model). */
export interface PlannedRequest {
  id: number;
  /** When the user meant to send it, in scenario ms; latency is measured from here. */
  intendedMs: number;
  lane: string;
  class: string;
  tenant: string;
  promptTokens: number;
  completionTokens: number;
  stream: boolean;
  /** The client itself retries a failed request (naive, fixed delay); the engine acts on it. */
  clientRetries?: ClientRetries;
}
