import { describe, expect, it } from "vitest";
import { InputError } from "../scenario/problems.js";
import { MAX_TRACE_PROBLEMS, parseTrace, replayArrivals } from "./replay-arrivals.js";

function problemsOf(text: string): string[] {
  try {
    parseTrace(text, "trace.jsonl");
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error("expected the trace to be rejected");
}

const TRACE = [
  '{"t": 0, "lane": "interactive", "tenant": "acme", "prompt": 120, "completion": 30}',
  "",
  '{"t": "1.5s", "lane": "background", "tenant": "small-co", "class": "batch", "prompt": 40000, "completion": 500, "stream": true}',
  '{"t": 500, "lane": "interactive", "prompt": 80, "completion": 10, "stream": false}\r',
].join("\n");

describe("replay of a recorded trace", () => {
  it("parses each line (ms or a duration) in time order, keeping its line number", () => {
    const requests = parseTrace(TRACE, "trace.jsonl");
    expect(requests).toEqual([
      {
        line: 1,
        atMs: 0,
        lane: "interactive",
        tenant: "acme",
        promptTokens: 120,
        completionTokens: 30,
      },
      {
        line: 4,
        atMs: 500,
        lane: "interactive",
        tenant: "default",
        promptTokens: 80,
        completionTokens: 10,
        stream: false,
      },
      {
        line: 3,
        atMs: 1500,
        lane: "background",
        tenant: "small-co",
        class: "batch",
        promptTokens: 40_000,
        completionTokens: 500,
        stream: true,
      },
    ]);
  });

  it("plays the trace from its start at its speed, cut at the end of the run", () => {
    const requests = parseTrace(TRACE, "trace.jsonl");
    const played = replayArrivals({ fromMs: 10_000, speed: 2, requests }, 60_000);
    expect(played.map((p) => p.intendedMs)).toEqual([10_000, 10_250, 10_750]);
    expect(replayArrivals({ fromMs: 10_000, speed: 1, requests }, 11_000)).toHaveLength(2);
  });

  it("reports a bad line with the file, the field, what was expected and the line number", () => {
    const text = [
      '{"t": 0, "lane": "interactive", "prompt": 1, "completion": 1}',
      '{"t": 10, "lane": "interactive", "prompt": "many", "completion": 1}',
      '{"t": "soon", "lane": "interactive", "prompt": 1, "completion": 1}',
      '{"t": 20, "lane": "interactive", "promt": 1, "completion": 1}',
      "{not json",
      "[1, 2]",
    ].join("\n");
    expect(problemsOf(text)).toEqual([
      'trace.jsonl: prompt: expected number (got "many") (line 2)',
      'trace.jsonl: t: expected a duration such as "250ms", "2s", "10m" (got "soon") (line 3)',
      "trace.jsonl: prompt: required: expected number (line 4)",
      'trace.jsonl: (top level): unknown key "promt" (did you mean "prompt"?) (line 4)',
      expect.stringMatching(/^trace\.jsonl: line 5: not valid JSON \(/),
      "trace.jsonl: (top level): expected object (got a list of 2) (line 6)",
    ]);
  });

  it("caps the problems of a badly broken trace and says how many more there are", () => {
    const text = Array.from({ length: 100 }, () => '{"t": -1}').join("\n");
    const problems = problemsOf(text);
    expect(problems).toHaveLength(MAX_TRACE_PROBLEMS + 1);
    expect(problems.at(-1)).toMatch(/^trace\.jsonl: \.\.\. and \d+ more problems$/);
  });

  it("rejects an empty trace", () => {
    expect(problemsOf("\n\n")).toEqual([
      "trace.jsonl: the trace has no requests (expected one JSON object per line)",
    ]);
  });
});
