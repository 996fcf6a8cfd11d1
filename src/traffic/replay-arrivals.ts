import { z } from "zod";
import { parseDuration } from "../scenario/duration.js";
import { formatIssues, InputError } from "../scenario/problems.js";
import { durationSchema } from "../scenario/schema-parts.js";
import type { TraceRequest } from "./types.js";

/** One line of a recorded trace (JSONL). */
export const traceLineSchema = z.strictObject({
  t: durationSchema.describe('when, from the start of the trace: ms or "1.5s"'),
  lane: z.string().min(1),
  tenant: z.string().min(1).default("default"),
  class: z.string().min(1).optional(),
  prompt: z.number().int().nonnegative().describe("prompt tokens"),
  completion: z.number().int().nonnegative().describe("completion tokens"),
  stream: z.boolean().optional(),
});

/** A bad trace reports this many problems, then how many more it has. */
export const MAX_TRACE_PROBLEMS = 20;

/**
 * Parses a recorded trace: one JSON object per line, blank lines skipped. Every
 * problem is reported like a scenario problem (file, field, what was expected,
 * line); the requests come back in time order (equal times keep file order).
 */
export function parseTrace(text: string, file: string): TraceRequest[] {
  const requests: TraceRequest[] = [];
  const problems: string[] = [];
  let extra = 0;
  const report = (lines: string[]) => {
    for (const p of lines) {
      if (problems.length < MAX_TRACE_PROBLEMS) problems.push(p);
      else extra++;
    }
  };
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const body = raw.trim();
    if (body === "") continue;
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch (error) {
      report([`${file}: line ${line}: not valid JSON (${(error as Error).message})`]);
      continue;
    }
    const result = traceLineSchema.safeParse(data, { reportInput: true });
    if (!result.success) {
      report(
        formatIssues(file, result.error.issues, traceLineSchema).map((p) => `${p} (line ${line})`),
      );
      continue;
    }
    const r = result.data;
    requests.push({
      line,
      atMs: parseDuration(r.t),
      lane: r.lane,
      tenant: r.tenant,
      ...(r.class !== undefined ? { class: r.class } : {}),
      promptTokens: r.prompt,
      completionTokens: r.completion,
      ...(r.stream !== undefined ? { stream: r.stream } : {}),
    });
  }
  if (problems.length === 0 && requests.length === 0) {
    problems.push(`${file}: the trace has no requests (expected one JSON object per line)`);
  }
  if (extra > 0) problems.push(`${file}: ... and ${extra} more problems`);
  if (problems.length > 0) throw new InputError(problems);
  return requests.sort((a, b) => a.atMs - b.atMs);
}

export interface ReplayShape {
  fromMs: number;
  speed: number;
  requests: readonly TraceRequest[];
}

/** Scenario time of each trace request (played from fromMs at speed), cut at untilMs. */
export function replayArrivals(
  s: ReplayShape,
  untilMs: number,
): { intendedMs: number; request: TraceRequest }[] {
  const out: { intendedMs: number; request: TraceRequest }[] = [];
  for (const request of s.requests) {
    const intendedMs = s.fromMs + request.atMs / s.speed;
    if (intendedMs >= untilMs) break;
    out.push({ intendedMs, request });
  }
  return out;
}
