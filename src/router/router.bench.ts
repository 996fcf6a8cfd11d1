import { afterAll, bench, describe } from "vitest";
import { createRng } from "../random/rng.js";
import { LaneQueue } from "./lane-queue.js";
import { presetConfig } from "./presets.js";
import { type AttemptOutcome, Router, type RouterRequest } from "./router.js";
import type { RouteId } from "./types.js";

/**
 * The routing decision against a round-robin picker, in the same run. Both hold
 * 10,000 queued requests over 20 routes that take one call each; every cycle one
 * call comes back, one request arrives and the next is routed, so each decision is
 * made with the full queue behind it. The router does all of it (health, budgets,
 * shares, weights, lanes, retry bookkeeping); round-robin only finds a free route.
 */
const ROUTES = 20;
const QUEUED = 10_000;
const CYCLES = 100_000;
const ROUNDS = 5;

const routes = Array.from({ length: ROUTES }, (_, i) => `v${i}/m` as RouteId);
const noHeaders: AttemptOutcome = { status: 200, headers: {} };
const withHeaders: AttemptOutcome = {
  status: 200,
  headers: {
    "x-ratelimit-limit-requests": "1000000",
    "x-ratelimit-remaining-requests": "999000",
    "x-ratelimit-reset-requests": "6m0s",
    "x-ratelimit-limit-tokens": "1000000000",
    "x-ratelimit-remaining-tokens": "999000000",
    "x-ratelimit-reset-tokens": "6m0s",
  },
};

let nextId = 0;
const request = (at: number): RouterRequest => ({
  id: nextId++,
  lane: "interactive",
  class: "chat",
  tenant: "t",
  arrivedMs: at,
  promptTokens: 500,
  maxTokens: 200,
});

/** The whole router: every rule of the playbook on. */
function runRouter(outcome: AttemptOutcome): number {
  const router = new Router(
    presetConfig("playbook", {
      classes: { chat: routes },
      routes: Object.fromEntries(routes.map((r) => [r, { concurrency: 1 }])),
      lanes: [
        {
          name: "interactive",
          priority: 0,
          waitBudgetMs: 3_600_000,
          maxQueue: QUEUED + 100,
          timeoutMs: 30_000,
          deadlineMs: 3_600_000,
        },
      ],
    }),
    createRng(1).next,
  );
  const inFlight = new LaneQueue<number>();
  let now = 0;
  for (let i = 0; i < QUEUED; i++) router.submit(request(now), now);
  for (const d of router.dispatch(now)) if (d.type === "send") inFlight.push(d.request.id);
  const started = performance.now();
  for (let i = 0; i < CYCLES; i++) {
    now += 0.01;
    router.complete(inFlight.shift()!, outcome, now);
    router.submit(request(now), now);
    for (const d of router.dispatch(now)) if (d.type === "send") inFlight.push(d.request.id);
  }
  return performance.now() - started;
}

/** Round-robin: the next route with a free slot, first come first served. */
function runRoundRobin(): number {
  const queue = new LaneQueue<RouterRequest>();
  const busy = new Uint8Array(ROUTES);
  const routeOf = new Map<number, number>();
  const inFlight = new LaneQueue<number>();
  let cursor = 0;
  const dispatch = () => {
    for (let head = queue.peek(); head !== undefined; head = queue.peek()) {
      let picked = -1;
      for (let k = 0; k < ROUTES; k++) {
        const r = (cursor + k) % ROUTES;
        if (busy[r] === 0) {
          picked = r;
          break;
        }
      }
      if (picked < 0) return;
      cursor = (picked + 1) % ROUTES;
      queue.shift();
      busy[picked] = 1;
      routeOf.set(head.id, picked);
      inFlight.push(head.id);
    }
  };
  let now = 0;
  for (let i = 0; i < QUEUED; i++) queue.push(request(now));
  dispatch();
  const started = performance.now();
  for (let i = 0; i < CYCLES; i++) {
    now += 0.01;
    const id = inFlight.shift()!;
    busy[routeOf.get(id)!] = 0;
    routeOf.delete(id);
    queue.push(request(now));
    dispatch();
  }
  return performance.now() - started;
}

const timings = {
  roundRobin: [] as number[],
  router: [] as number[],
  routerHeaders: [] as number[],
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe(`routing decision: ${ROUTES} routes, ${QUEUED.toLocaleString("en-US")} queued`, () => {
  bench(
    "interleaved rounds: round-robin, router, router learning from headers",
    () => {
      timings.roundRobin.push(runRoundRobin());
      timings.router.push(runRouter(noHeaders));
      timings.routerHeaders.push(runRouter(withHeaders));
    },
    { iterations: ROUNDS, warmupIterations: 1 },
  );
});

afterAll(() => {
  const perSecond = (ms: number) => CYCLES / (ms / 1000);
  const rr = perSecond(median(timings.roundRobin));
  const router = perSecond(median(timings.router));
  const headers = perSecond(median(timings.routerHeaders));
  console.log(
    [
      "",
      `round-robin: ${Math.round(rr).toLocaleString("en-US")} decisions/s`,
      `router:      ${Math.round(router).toLocaleString("en-US")} decisions/s, ${(rr / router).toFixed(1)}x round-robin's cost (goal <= 10x, > 200,000/s)`,
      `router reading rate-limit headers on every answer: ${Math.round(headers).toLocaleString("en-US")} decisions/s, ${(rr / headers).toFixed(1)}x`,
      "",
    ].join("\n"),
  );
});
