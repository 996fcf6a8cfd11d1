import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, bench, describe } from "vitest";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";

/**
 * Sim mode at scale: one hour of lunch-rush at 500 requests a second (1.8 million
 * requests: the same storm at 42 times its traffic and its vendors' limits), run by
 * the built CLI's code in a fresh process, against its floor measured in the same
 * run: the bare virtual event loop doing two events per request (an arrival and an
 * answer), which is the least any simulation of it must do.
 * Goal: the hour in under 20 s, over 100,000 simulated requests a second.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const SCENARIO = "src/run/fixtures/lunch-rush-500.yaml";

const RUNNER = `
import { loadScenario } from "./dist/scenario/loader.js";
import { runScenario } from "./dist/run/run-scenario.js";
const s = loadScenario(${JSON.stringify(SCENARIO)}, { cwd: process.cwd() });
const started = performance.now();
const r = await runScenario(s, { mode: "sim", seed: 1, speed: 1 });
const totals = r.recorder.ledger.totals();
console.log(JSON.stringify({
  requests: totals.generated,
  balanced: totals.balanced,
  wallMs: performance.now() - started,
}));
`;

interface SimMeasure {
  requests: number;
  balanced: boolean;
  wallMs: number;
}

const results: { sim?: SimMeasure; floorPerS?: number } = {};

describe("sim mode: one hour of lunch-rush at 500 requests a second", () => {
  bench(
    "floor: the bare virtual event loop, 2 events per request, 1.8 million requests",
    () => {
      const requests = 1_800_000;
      const s = new VirtualScheduler();
      let n = 0;
      const started = performance.now();
      // Arrivals one after another, each scheduling its answer about two seconds on.
      let next = 0;
      const arrive = () => {
        s.at(s.now() + 2000, () => n++);
        next++;
        if (next < requests) s.at((next * 3_600_000) / requests, arrive);
      };
      s.at(0, arrive);
      s.run();
      if (n !== requests) throw new Error(`floor ran ${n} answers`);
      results.floorPerS = requests / ((performance.now() - started) / 1000);
    },
    { iterations: 1, warmupIterations: 0 },
  );

  bench(
    "sim run: plan, router, vendor model, wire headers, metrics (fresh process)",
    () => {
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", RUNNER], {
        cwd: root,
        encoding: "utf8",
      });
      results.sim = JSON.parse(out) as SimMeasure;
    },
    { iterations: 1, warmupIterations: 0 },
  );
});

afterAll(() => {
  const { sim, floorPerS } = results;
  if (!sim || !floorPerS) return;
  const perS = sim.requests / (sim.wallMs / 1000);
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  console.log(
    [
      "",
      `sim, one hour at 500 req/s: ${n(sim.requests)} requests in ${(sim.wallMs / 1000).toFixed(1)} s, ` +
        `${n(perS)} simulated req/s (goal: under 20 s, over 100,000 req/s); ledger balanced: ${sim.balanced}`,
      `floor (bare event loop, same requests): ${n(floorPerS)} req/s; the sim runs at ${(perS / floorPerS).toFixed(3)} of it`,
      "",
    ].join("\n"),
  );
});
