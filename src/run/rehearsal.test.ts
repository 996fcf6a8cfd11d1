import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import type { FindingsSink } from "../findings/findings-sink.js";
import { Recorder } from "../metrics/recorder.js";
import { type MockServer, startMockServer } from "../mock/mock-server.js";
import { createRng } from "../random/rng.js";
import { loadScenario } from "../scenario/loader.js";
import { parseOverride } from "../scenario/overrides.js";
import { HttpUpstream } from "../upstream/http-upstream.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { WARM_UP_HEADER } from "../vendor/wire/wire-format.js";
import { rehearse } from "./rehearsal.js";
import { routeInfos } from "./run-scenario.js";

/**
 * A live run rehearses its first requests before its clock starts: through an
 * engine and router of its own configuration, to the mocks, which book them apart.
 */
let bare: Server | undefined;
let mock: MockServer | undefined;
let clock: RealScheduler | undefined;
let upstream: HttpUpstream | undefined;

afterEach(async () => {
  await upstream?.close();
  await mock?.close();
  clock?.dispose();
  await new Promise((resolve) => (bare ? bare.close(resolve) : resolve(undefined)));
  [bare, mock, clock, upstream] = [undefined, undefined, undefined, undefined];
});

/** The live benchmark's scenario: one vendor, plain answers, at the given rate. */
const scenario = (rate: number) =>
  loadScenario("src/run/fixtures/live-bench.yaml", {
    cwd: process.cwd(),
    overrides: [`traffic.0.rate=${rate}`].map(parseOverride),
  });

/** Findings that hear nothing: the tests read the rehearsal's recorder. */
const deaf: FindingsSink = {
  attemptStarted() {},
  attemptEnded() {},
  clientTryEnded() {},
  requestSettled() {},
};

/** A rehearsal of `count` requests of the scenario to `origin`, and the books it kept. */
async function rehearseTo(
  origin: string,
  count: number,
  options: { maxWallMs?: number; signal?: AbortSignal } = {},
): Promise<Recorder[]> {
  const s = scenario(500);
  clock = new RealScheduler(1);
  upstream = new HttpUpstream(new Map([["vendor-a", { origin, format: "openai" }]]), clock);
  const books: Recorder[] = [];
  await rehearse({
    scenario: s,
    seed: 1,
    speed: 1,
    count,
    upstream: upstream.asWarmUp(),
    books: () => {
      const recorder = new Recorder(
        s.router.lanes.map((l) => l.name),
        routeInfos(s),
      );
      books.push(recorder);
      return { recorder, findings: deaf };
    },
    maxWallMs: options.maxWallMs ?? 10_000,
    signal: options.signal,
  });
  return books;
}

/** A server that notes each chat call's warm-up mark and answers it at once, or never. */
async function startServer(answer: boolean): Promise<{ origin: string; marks: boolean[] }> {
  const marks: boolean[] = [];
  bare = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      marks.push(req.headers[WARM_UP_HEADER] === "1");
      if (!answer) return;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ message: { content: "hi" } }], usage: {} }));
    });
  });
  await new Promise<void>((resolve) => bare!.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, marks };
}

describe("a live run's rehearsal", () => {
  it("sends the plan's first requests through an engine and router, each marked as warm-up, into books of its own", async () => {
    const { origin, marks } = await startServer(true);
    const books = await rehearseTo(origin, 40);
    expect(marks).toEqual(Array(40).fill(true));
    // One set of books, made for it: every request it sent was routed, recorded and settled.
    expect(books).toHaveLength(1);
    expect(books[0]!.ledger.totals()).toMatchObject({ generated: 40, ok: 40, balanced: true });
  });

  it("leaves the mocks' budget, counts and log of the run as they were", async () => {
    clock = new RealScheduler(1);
    const s = scenario(500);
    // A budget of two requests a minute, which the rehearsal's forty would overrun.
    const spec = { ...s.vendors[0]! };
    spec.models = spec.models.map((m) => ({ ...m, limits: { ...m.limits, rpm: 2 } }));
    mock = await startMockServer({
      model: new VendorModel(spec, [], createRng(1)),
      scheduler: new RealScheduler(1),
    });
    const books = await rehearseTo(mock.origin, 40);
    expect(books[0]!.ledger.totals()).toMatchObject({ generated: 40, ok: 40 });
    expect(mock.attempts.size).toBe(0);
    const state = await (await fetch(`${mock.origin}/_gw/state`)).json();
    expect(JSON.stringify(state)).not.toMatch(/"200"/); // no status counted
  });

  it("stops at its time limit with what it sent still unanswered, settled as interrupted", async () => {
    const { origin } = await startServer(false);
    const books = await rehearseTo(origin, 5, { maxWallMs: 100 });
    expect(books[0]!.ledger.totals()).toMatchObject({
      generated: 5,
      ok: 0,
      failed: { interrupted: 5 },
      balanced: true,
    });
  });

  it("sends nothing once its signal has aborted (Ctrl-C during start-up)", async () => {
    const { origin, marks } = await startServer(true);
    const aborted = new AbortController();
    aborted.abort();
    const books = await rehearseTo(origin, 40, { signal: aborted.signal });
    expect(marks).toHaveLength(0);
    expect(books).toHaveLength(0);
  });
});
