import type { TokenSize } from "../scenario/schema-parts.js";

export type { TokenSize };

/** What kind of requests an arrival process makes. */
export interface RequestShape {
  lane: string;
  class: string;
  tenant: string;
  prompt: TokenSize;
  completion: TokenSize;
  /** Share of requests that stream, 0..1. */
  stream: number;
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
    } & RequestShape);

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
}
