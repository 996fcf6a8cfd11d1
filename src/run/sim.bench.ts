import { bench, describe } from "vitest";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { loadScenario } from "../scenario/loader.js";
import { runScenario } from "./run-scenario.js";

/**
 * Sim mode against its own floor, in one run: the bare virtual event loop doing
 * as many events as a lunch-rush run needs (about eight per request), and the whole
 * run. The ratio says how much the router, vendor model and metrics add.
 */
const scenario = loadScenario("lunch-rush", { cwd: process.cwd() });
const REQUESTS = 7140;
const EVENTS = REQUESTS * 8;

describe("sim mode: lunch-rush, 10 minutes, 7,140 requests", () => {
  bench("baseline: bare virtual event loop, 8 events per request", () => {
    const s = new VirtualScheduler();
    let n = 0;
    for (let i = 0; i < EVENTS; i++) s.at((i * 600_000) / EVENTS, () => n++);
    s.run();
  });

  bench("sim run: plan, router, vendor model, metrics, report data", async () => {
    await runScenario(scenario, { mode: "sim", seed: 1, speed: 1 });
  });
});
