import { describe, expect, it } from "vitest";
import { loadScenario } from "../scenario/loader.js";
import { runScenario } from "./run-scenario.js";

/**
 * Ctrl-C while a live run is still starting its mock vendors (a worker thread takes
 * a moment to boot): the run must stop as soon as it can and say it was
 * interrupted, not ignore the signal and run to its end.
 */
describe("an interrupt during start-up", () => {
  it("stops the live run once the mocks listen: a partial, balanced result well short of its duration", async () => {
    // Ten scenario minutes at 10x: a run that ignored the signal would take a minute.
    const scenario = loadScenario("lunch-rush", { cwd: process.cwd() });
    const interrupt = new AbortController();
    const running = runScenario(scenario, {
      mode: "live",
      seed: 1,
      speed: 10,
      signal: interrupt.signal,
    });
    interrupt.abort(); // before the fleet has started
    const result = await running;
    expect(result.partial).toBe(true);
    expect(result.recorder.ledger.totals().balanced).toBe(true);
    // Stopped at once plus the grace for calls in flight: seconds, not the 600 s planned.
    expect(result.endedMs).toBeLessThan(30_000);
  });

  it("stops a sim run aborted before it began, with nothing sent", async () => {
    const scenario = loadScenario("lunch-rush", { cwd: process.cwd() });
    const interrupt = new AbortController();
    interrupt.abort();
    const result = await runScenario(scenario, {
      mode: "sim",
      seed: 1,
      speed: 1,
      signal: interrupt.signal,
    });
    expect(result.partial).toBe(true);
    expect(result.recorder.ledger.totals().generated).toBe(0);
  });
});
