/**
 * P20: several gateway nodes agree on cooldowns and health, so one node's discovery
 * protects all of them. Each node is its own Router; what one tells (tellPeers) is
 * handed to another (hear) as the shared store would. Each test runs the same
 * traffic with the news heard and not: the "heard" half fails if sharing stops working.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HealthNews } from "./router.js";
import {
  budgetHeaders,
  byRoute,
  drive,
  every,
  ok,
  type RouterDriver,
  type SendRecord,
  throttled,
} from "../test-support/router-driver.js";

const toA = (d: RouterDriver, from = 0, until = Number.POSITIVE_INFINITY) =>
  d.sends.filter((s) => s.route === "a/m" && s.t >= from && s.t < until);

/** A node whose news is collected, as its link to the store would take it. */
function teller(d: RouterDriver): HealthNews[] {
  const told: HealthNews[] = [];
  d.router.tellPeers((news) => told.push(news));
  return told;
}

describe("P20: nodes share what they learn of a route", () => {
  it("one node's 429 keeps another node off the route for the whole Retry-After, not only its own", () => {
    // Node 1 sends once to a/m and hears a 429 asking for 10 s.
    const first = drive({}, byRoute({ "a/m": () => throttled(10_000) })).submit(...every(1, 0));
    const told = teller(first);
    first.run();
    const cooldown = told.find((n) => n.kind === "cooldown");
    expect(cooldown).toMatchObject({ route: "a/m" });
    expect(cooldown!.untilMs).toBeGreaterThanOrEqual(10_000);

    // Node 2 takes requests throughout; it hears the news 1 ms after node 1 told it.
    const node2 = (heard: boolean) => {
      const d = drive({}, byRoute({})).submit(...every(200, 100, 0));
      d.run(cooldown!.atMs + 1);
      if (heard) d.router.hear(cooldown!, d.now);
      return d.run();
    };
    const heardAt = cooldown!.atMs + 1;
    // Told, it sends nothing fresh to a/m until the cooldown (and its grace) is over...
    expect(toA(node2(true), heardAt, cooldown!.untilMs + 1000)).toEqual([]);
    // ...and then comes back to it.
    expect(toA(node2(true), cooldown!.untilMs + 1000).length).toBeGreaterThan(0);
    // Untold, it would have gone on sending to a route that refuses everyone.
    expect(toA(node2(false), heardAt, cooldown!.untilMs).length).toBeGreaterThan(50);
  });

  it("the node that heard the 429 tries the route with one request, and its clear lets the others go", () => {
    // a/m refuses the first send for 5 s, then answers (slowly: 500 ms).
    let refused = false;
    const answerA = () => {
      if (refused) return ok();
      refused = true;
      return throttled(5000);
    };
    const node1 = drive({}, byRoute({ "a/m": answerA }, 500)).submit(...every(100, 100));
    const told = teller(node1);
    node1.run();
    const cooldown = told.find((n) => n.kind === "cooldown")!;
    // When the cooldown ends, one request goes first, alone until it is answered.
    const tried = toA(node1, cooldown.untilMs);
    expect(tried[0]!.probe).toBe(true);
    expect(toA(node1, cooldown.untilMs, tried[0]!.t + 500)).toHaveLength(1);
    const clear = told.find((n) => n.kind === "clear");
    expect(clear?.atMs).toBe(tried[0]!.t + 500);

    // Node 2 heard the cooldown; on the clear it goes back to a/m before its own grace ends.
    const node2 = drive({}, byRoute({})).submit(...every(100, 100));
    node2.run(cooldown.atMs + 1);
    node2.router.hear(cooldown, node2.now);
    node2.run(clear!.atMs + 1);
    node2.router.hear(clear!, node2.now);
    node2.run();
    expect(toA(node2, cooldown.atMs + 1, clear!.atMs + 1)).toEqual([]);
    const back = toA(node2, clear!.atMs + 1);
    expect(back[0]!.t).toBeLessThan(cooldown.untilMs + 1000);
  });

  it("without word from the node that heard it, the others come back one after another", () => {
    const cooldown: HealthNews = {
      route: "a/m",
      kind: "cooldown",
      atMs: 0,
      untilMs: 5000,
    };
    const firstSendToA = (rank: number) => {
      const d = drive({}, byRoute({})).submit(...every(200, 50));
      d.router.hear(cooldown, 0, rank);
      return toA(d.run())[0]!.t;
    };
    // Rank 1 (the next node) tries a cooldown after the end, rank 2 a cooldown later.
    expect(firstSendToA(1)).toBeGreaterThanOrEqual(6000);
    expect(firstSendToA(2)).toBeGreaterThanOrEqual(7000);
    expect(firstSendToA(1)).toBeLessThan(firstSendToA(2));
  });

  it("a route another node opened is out here too, until that node's probe brings it back", () => {
    const open: HealthNews = { route: "a/m", kind: "open", atMs: 1000, untilMs: 31_000 };
    const run = (word?: HealthNews) => {
      const d = drive({}, byRoute({})).submit(...every(600, 100));
      d.run(1000);
      d.router.hear(open, d.now);
      if (word) {
        d.run(word.atMs);
        d.router.hear(word, d.now);
      }
      return d.run();
    };
    // No word: out until the opening's end and a quarter of an open period more, then a probe.
    const silent = run();
    const firstBack = toA(silent, 1001)[0]!;
    expect(firstBack.t).toBeGreaterThanOrEqual(31_000 + 7500);
    expect(firstBack.probe).toBe(true);
    expect(silent.router.heardOpenings["a/m"]).toBe(1);
    // The opener's clear at 31.5 s: back with no probe of its own, at the first step of
    // its weight (P17: one consideration in ten, so within a second or two at 10 a second).
    const cleared = run({ route: "a/m", kind: "clear", atMs: 31_500, untilMs: 31_500 });
    const back = toA(cleared, 1001);
    expect(back[0]!.t).toBeGreaterThanOrEqual(31_500);
    expect(back[0]!.t).toBeLessThan(33_500);
    expect(back.some((s) => s.probe)).toBe(false);
  });

  it("a clear older than the latest 429 heard here leaves the route cooling", () => {
    const d = drive({}, byRoute({})).submit(...every(200, 100));
    d.run(9000);
    d.router.hear({ route: "a/m", kind: "cooldown", atMs: 9000, untilMs: 14_000 }, d.now);
    // Another node's trial came back well at 8.5 s, before this 429: old news.
    d.router.hear({ route: "a/m", kind: "clear", atMs: 8500, untilMs: 8500 }, d.now);
    d.run();
    expect(toA(d, 9001, 14_000)).toEqual([]);
  });

  it("a trial sent before a newer cooldown does not end the newer one's trial", () => {
    // a/m: the first send is refused for 1 s; the trial (sent at ~1 s) answers after
    // 3 s, well; meanwhile another send is refused again at 2 s, for 5 s.
    let sends = 0;
    const answerA = () => {
      sends++;
      return sends === 1 || sends === 3 ? throttled(sends === 1 ? 1000 : 5000) : ok();
    };
    const node = drive(
      {},
      byRoute({ "a/m": answerA }, (send) => (send.route === "a/m" && send.probe ? 3000 : 10)),
    ).submit(...every(1, 0), ...every(1, 1000), ...every(1, 2000), ...every(100, 100, 2100));
    const told = teller(node);
    node.run();
    const cooldowns = told.filter((n) => n.kind === "cooldown");
    expect(cooldowns).toHaveLength(2);
    // The second cooldown ends in a trial of its own, not in the whole node's traffic.
    const afterSecond = toA(node, cooldowns[1]!.untilMs);
    expect(afterSecond[0]!.probe).toBe(true);
  });

  it("a lone router (no peers) comes back from a cooldown with all its traffic, no trial", () => {
    let refused = false;
    const answerA = () => {
      if (refused) return ok();
      refused = true;
      return throttled(2000);
    };
    const alone = drive({}, byRoute({ "a/m": answerA }))
      .submit(...every(100, 100))
      .run();
    const back = toA(alone, 2000);
    expect(back.length).toBeGreaterThan(10);
    expect(back.some((s) => s.probe)).toBe(false);
  });

  it("other nodes' sends stop counting once they leave the vendor's minute", () => {
    // The node learned a/m's budget once (100 a minute, all left) and then sent nothing;
    // its peers kept sending 70 a minute for ten minutes.
    const d = drive({}, byRoute({ "a/m": () => ok(budgetHeaders(100, 100)) })).submit(
      ...every(1, 0),
    );
    d.run(1000);
    for (let t = 1000; t <= 600_000; t += 1000) d.router.hearPeerSends("a/m", 70 / 60, 0, t);
    // Only about the last minute's 70 come off (counted in 5 s slices), not all 700:
    // about 30 left, over the 15 the headroom keeps.
    const left = d.router.routeState("a/m", 600_000)!.requests!;
    expect(left).toBeGreaterThan(25);
    expect(left).toBeLessThan(40);
  });

  it("sends other nodes made come off the route's budget here", () => {
    // a/m states 100 requests a minute, all left, in its first answer; later answers
    // take 5 s, so until then the node goes by that word and what it has heard since.
    const answers = byRoute({ "a/m": () => ok(budgetHeaders(100, 100)) }, (send) =>
      send.t === 0 ? 10 : 5000,
    );
    const run = (peerSends: number) => {
      const d = drive({}, answers).submit(...every(1, 0), ...every(200, 10, 1000));
      d.run(500);
      d.router.hearPeerSends("a/m", peerSends, 0, d.now);
      return d.run(3000);
    };
    // Alone it may use 85 of the 100 (headroom); with 70 sent elsewhere, about 15.
    expect(toA(run(0), 1000).length).toBeGreaterThanOrEqual(80);
    const shared = toA(run(70), 1000).length;
    expect(shared).toBeGreaterThan(0);
    expect(shared).toBeLessThanOrEqual(16);
  });

  it("whatever cooldowns and openings a node hears, in any order, it sends nothing fresh into them (unless its own probe says the route is back) and ends every request once", () => {
    const newsArb = fc.record({
      route: fc.constantFrom("a/m" as const, "b/m" as const),
      kind: fc.constantFrom("cooldown" as const, "open" as const),
      atMs: fc.integer({ min: 0, max: 20_000 }),
      holdMs: fc.integer({ min: 1, max: 20_000 }),
      rank: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(newsArb, { maxLength: 6 }), (items) => {
        const d = drive({}, byRoute({}, 200)).submit(...every(300, 100));
        // One node of several: its own cooldowns end in trials, and it tells its news.
        teller(d);
        const heard: { route: string; from: number; until: number }[] = [];
        for (const item of [...items].sort((a, b) => a.atMs - b.atMs)) {
          d.run(item.atMs);
          const news: HealthNews = {
            route: item.route,
            kind: item.kind,
            atMs: item.atMs,
            untilMs: item.atMs + item.holdMs,
          };
          d.router.hear(news, d.now, item.rank);
          heard.push({ route: item.route, from: d.now, until: news.untilMs });
        }
        d.run();
        const fresh = (s: SendRecord) => s.attempt === 1 && !s.probe;
        // The node's own evidence is newer than what it heard: a probe of its own, sent
        // after the news, that comes back well ends the hold here.
        const probeCameBackWell = (route: string, after: number) =>
          d.verdicts
            .filter(
              (v) =>
                v.verdict.type === "done" &&
                d.sends.some((s) => s.id === v.id && s.route === route && s.probe && s.t > after),
            )
            .reduce((first, v) => Math.min(first, v.t), Number.POSITIVE_INFINITY);
        // (A send in the very instant the news came in went before it was heard.)
        for (const h of heard) {
          const until = Math.min(h.until, probeCameBackWell(h.route, h.from));
          expect(
            d.sends.filter((s) => s.route === h.route && fresh(s) && s.t > h.from && s.t < until),
          ).toEqual([]);
        }
        for (let id = d.sends[0]?.id ?? 0; id < (d.sends[0]?.id ?? 0) + 300; id++)
          expect(d.ends.get(id)?.length ?? 0).toBeLessThanOrEqual(1);
        // Everything submitted ended (served, shed or past its deadline): none was lost.
        expect([...d.ends.values()].reduce((n, e) => n + e.length, 0)).toBe(300);
      }),
      { numRuns: 40 },
    );
  });
});
