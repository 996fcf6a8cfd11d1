import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, bench, describe } from "vitest";

/**
 * Memory stays flat with run length: a sim run of one hour at 500 requests a second
 * (1.8 million requests) against five minutes of the same (150,000), each in a fresh
 * process from the built CLI (npm run bench builds first), compared by peak resident
 * memory. Goal: the hour needs at most 50 MB more than the five minutes.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const scenario = "src/run/fixtures/steady-500.yaml";

const RUNNER = `
import { loadScenario } from "./dist/scenario/loader.js";
import { runScenario } from "./dist/run/run-scenario.js";
import { parseOverride } from "./dist/scenario/overrides.js";
const s = loadScenario(${JSON.stringify(scenario)}, {
  cwd: process.cwd(),
  overrides: [parseOverride("duration=" + process.argv[1])],
});
const started = performance.now();
const r = await runScenario(s, { mode: "sim", seed: 1, speed: 1 });
console.log(JSON.stringify({
  requests: r.recorder.ledger.totals().generated,
  wallMs: performance.now() - started,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
}));
`;

interface Measure {
  requests: number;
  wallMs: number;
  maxRssMb: number;
}

function measure(duration: string): Measure {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", RUNNER, duration], {
    cwd: root,
    encoding: "utf8",
  });
  return JSON.parse(out) as Measure;
}

/** Peak RSS varies a little with the collector's timing: the median of a few fresh runs. */
function median(duration: string, runs: number): Measure {
  const all = Array.from({ length: runs }, () => measure(duration)).sort(
    (a, b) => a.maxRssMb - b.maxRssMb,
  );
  return all[Math.floor(all.length / 2)]!;
}

const results: { short?: Measure; long?: Measure } = {};

describe("memory: sim run length, 500 requests a second", () => {
  bench(
    "5 minutes (150,000 requests, 3 runs) and 1 hour (1.8 million, 3 runs), fresh processes",
    () => {
      results.short = median("5m", 3);
      results.long = median("1h", 3);
    },
    { iterations: 1, warmupIterations: 0 },
  );
});

afterAll(() => {
  const { short, long } = results;
  if (!short || !long) return;
  const rate = (m: Measure) => Math.round(m.requests / (m.wallMs / 1000)).toLocaleString("en-US");
  console.log(
    [
      "",
      `5 minutes: ${short.requests.toLocaleString("en-US")} requests, peak RSS ${Math.round(short.maxRssMb)} MB, ${rate(short)} simulated req/s`,
      `1 hour:    ${long.requests.toLocaleString("en-US")} requests, peak RSS ${Math.round(long.maxRssMb)} MB, ${rate(long)} simulated req/s`,
      `the hour needs ${Math.round(long.maxRssMb - short.maxRssMb)} MB more (goal <= 50 MB)`,
      "",
    ].join("\n"),
  );
});
