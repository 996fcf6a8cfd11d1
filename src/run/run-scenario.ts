import type { Scheduler } from "../clock/clock.js";
import { RealScheduler } from "../clock/real-scheduler.js";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import type { FindingsSink } from "../findings/findings-sink.js";
import { type Finding, FindingsTracker } from "../findings/findings-tracker.js";
import { Recorder, type RouteInfo } from "../metrics/recorder.js";
import { ShardRecorder } from "../metrics/shard-recorder.js";
import { bookVendorSide } from "../metrics/vendor-side.js";
import { createRng, deriveSeed } from "../random/rng.js";
import type { RouterSummary } from "../router/router.js";
import type { NodeSummary } from "../router/router-nodes.js";
import { routeId, splitRouteId } from "../router/types.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import { InputError } from "../scenario/problems.js";
import { linkNodes, type NodeLinks, type StoreReport } from "../store/link-nodes.js";
import { TrafficStream } from "../traffic/plan.js";
import { type Shard, shardPlan } from "../traffic/shard.js";
import { GatewayUpstream } from "../upstream/gateway-upstream.js";
import { HttpUpstream } from "../upstream/http-upstream.js";
import { SimUpstream } from "../upstream/sim-upstream.js";
import type { Upstream } from "../upstream/upstream.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { Engine, type SecondSnapshot } from "./engine.js";
import { assertGatewayReachable } from "./gateway-reachable.js";
import { type GatewayOptions, gatewayRouteInfos, gatewayTarget } from "./gateway-target.js";
import { ClientTryLog, replayGatewayRun } from "./gateway-truth.js";
import { type HarnessHealth, HarnessMonitor, simHarnessHealth } from "./harness-health.js";
import { type MockFleet, startMockFleet } from "./mock-fleet.js";
import { rehearse } from "./rehearsal.js";
import { RunError } from "./run-error.js";
import { shardCapacity } from "./shard-capacity.js";
import { warmUpPlan } from "./warm-up-calls.js";

export type Mode = "live" | "sim";

export interface RunOptions {
  mode: Mode;
  seed: number;
  speed: number;
  /** Aborting stops arrivals and writes what was measured (Ctrl-C). */
  signal?: AbortSignal;
  onSecond?: (snapshot: SecondSnapshot) => void;
  /** Told the mock vendors' base URLs once they listen (live mode). */
  onMocksReady?: (mocks: readonly { vendor: string; baseUrl: string }[]) => void;
  /** Send the traffic to this gateway, the mocks its upstreams, instead of the embedded router. */
  gateway?: GatewayOptions;
  /** Live mode: the mocks on ports from here up, one per vendor (free ports when absent). */
  portBase?: number;
  /** Book (sim) or send (live) only this shard's share of the plan (`--shard i/n`). */
  shard?: Shard;
}

export interface RunResult {
  scenario: ResolvedScenario;
  mode: Mode;
  seed: number;
  speed: number;
  endedMs: number;
  partial: boolean;
  recorder: Recorder;
  /**
   * A sim shard's recorder books only its own requests; this one heard the whole world
   * (failover timing, findings). Absent when `recorder` heard everything.
   */
  world?: Recorder;
  /** The shard this run was (`--shard i/n`), absent when unsharded. */
  shard?: Shard;
  routes: RouteInfo[];
  harness: HarnessHealth;
  /** What the router did: retries, denials, probes, openings, rules switched off. */
  router: RouterSummary;
  /** Verdicts on the router or gateway under test, each citing its playbook rule. */
  findings: Finding[];
  /** Several router nodes (P20): what they shared through the store, and each node's share. */
  store?: StoreReport & { perNode: NodeSummary[] };
  /**
   * The gateway under test, when one was, and how many of its attempts the mocks
   * logged and dropped (each keeps at most a million: past that, the vendors' side
   * and the findings are judged on what was kept).
   */
  gateway?: {
    url: string;
    kind: GatewayOptions["kind"];
    attemptsLogged: number;
    attemptsDropped: number;
  };
}

/** Scenario ms given to in-flight calls to finish after a stop. */
const STOP_GRACE_MS = 2000;

/** Wall ms a live run's rehearsal may take at most (see rehearse). */
const REHEARSAL_MAX_WALL_MS = 2000;

/** Every route any class names, with what the report says beside it. */
export function routeInfos(scenario: ResolvedScenario): RouteInfo[] {
  const seen = new Set<string>();
  const infos: RouteInfo[] = [];
  for (const routes of Object.values(scenario.router.classes)) {
    for (const id of routes) {
      if (seen.has(id)) continue;
      seen.add(id);
      const { vendor, model } = splitRouteId(id);
      const spec = scenario.vendors
        .find((v) => v.name === vendor)
        ?.models.find((m) => m.name === model);
      if (!spec) throw new Error(`route ${id} names no known model`);
      infos.push({
        id: routeId(vendor, model),
        vendor,
        model,
        limits: spec.limits,
        price: spec.price,
      });
    }
  }
  return infos;
}

function vendorModels(scenario: ResolvedScenario, seed: number): Map<string, VendorModel> {
  return new Map(
    scenario.vendors.map((v) => [
      v.name,
      new VendorModel(v, scenario.faults, createRng(deriveSeed(seed, `vendor.${v.name}`))),
    ]),
  );
}

/** Runs one scenario in live or sim mode and returns everything it measured. */
export async function runScenario(
  whole: ResolvedScenario,
  options: RunOptions,
): Promise<RunResult> {
  const { gateway, shard } = options;
  if (gateway && options.mode === "sim")
    throw new InputError(["--gateway needs live mode: a gateway answers over real HTTP"]);
  // A live shard sends only its share, to vendors and a router cut to its share.
  const live = options.mode === "live";
  const scenario = shard && live && !gateway ? shardCapacity(whole, shard.count) : whole;
  const stream = new TrafficStream(scenario.traffic, scenario.durationMs, options.seed);
  const plan = shard && live ? shardPlan(stream, shard) : stream;
  // With a gateway under test, the harness's own requests go to gateway/<class>.
  const routes = [...routeInfos(scenario), ...(gateway ? gatewayRouteInfos(scenario) : [])];
  const laneNames = scenario.router.lanes.map((l) => l.name);
  // A sim shard runs the whole storm and books its own share (ShardRecorder).
  const recorder =
    shard && !live
      ? new ShardRecorder(laneNames, routes, scenario.faults, shard)
      : new Recorder(laneNames, routes, scenario.faults, { keepSecondHistograms: !!shard });
  const world = recorder instanceof ShardRecorder ? recorder.world : recorder;
  const newTracker = () =>
    new FindingsTracker(
      {
        // Live mode's wall-clock tolerances (a send already on its way) stretch with --speed.
        speed: options.mode === "live" ? options.speed : 1,
        lanes: scenario.router.lanes.map((l) => ({
          name: l.name,
          waitBudgetMs: l.waitBudgetMs,
          timeoutMs: l.timeoutMs,
          deadlineMs: l.deadlineMs,
        })),
        faults: scenario.faults.map((f) => ({
          vendor: f.vendor,
          ...(f.model !== undefined ? { model: f.model } : {}),
          kind: f.kind,
          startMs: f.fromMs,
          endMs: f.untilMs,
        })),
      },
      // The embedded router's runs tell it of every attempt as it goes, leaving out
      // the ends of first attempts that were answered; a gateway run is replayed whole.
      { lazy: gateway === undefined },
    );
  const tracker = newTracker();
  const findingsOf = () =>
    tracker.findings({
      series: world.series,
      tenants: Object.fromEntries(
        [...world.tenants].map(([name, t]) => [name, { requests: t.requests, ok: t.ok }]),
      ),
    });
  const common = {
    scenario,
    mode: options.mode,
    seed: options.seed,
    speed: options.speed,
    recorder,
    ...(world !== recorder ? { world } : {}),
    ...(shard ? { shard } : {}),
    routes,
  };
  const engineOptions = (
    scheduler: Scheduler,
    upstream: Upstream,
    findings: FindingsSink = tracker,
    links?: NodeLinks,
  ) => ({
    plan,
    durationMs: scenario.durationMs,
    router: scenario.router,
    random: createRng(deriveSeed(options.seed, "router")).next,
    scheduler,
    upstream,
    recorder,
    findings,
    ...(gateway ? { gateway: true } : {}),
    ...(options.onSecond ? { onSecond: options.onSecond } : {}),
    ...(scenario.nodes > 1
      ? {
          nodes: {
            count: scenario.nodes,
            random: (node: number) =>
              createRng(deriveSeed(options.seed, `router.node-${node + 1}`)).next,
            ...(links ? { link: links.link } : {}),
          },
        }
      : {}),
  });
  /** What the nodes shared, once the run is over. */
  const storeOf = (links: NodeLinks | undefined, nodes: NodeSummary[] | undefined) =>
    links && nodes ? { store: { ...links.report(), perNode: nodes } } : {};

  if (options.mode === "sim") {
    const scheduler = new VirtualScheduler();
    // Sim mode models the store in memory, on the virtual clock, whatever the scenario names.
    const links = scenario.nodes > 1 ? await linkNodes(scenario, scheduler, "sim") : undefined;
    const engine = new Engine(
      engineOptions(
        scheduler,
        new SimUpstream(vendorModels(scenario, options.seed), scheduler),
        tracker,
        links,
      ),
    );
    links?.start();
    const stop = () => engine.stop(STOP_GRACE_MS);
    options.signal?.addEventListener("abort", stop, { once: true });
    engine.start();
    if (options.signal?.aborted) stop();
    // Run in slices of scenario time, yielding between them so Ctrl-C is heard.
    let finished = false;
    void engine.done.then(() => {
      finished = true;
    });
    for (let until = 60_000; scheduler.pending > 0 && !finished; until += 60_000) {
      scheduler.run(until);
      await new Promise((resolve) => setImmediate(resolve));
    }
    options.signal?.removeEventListener("abort", stop);
    const result = await engine.done;
    await links?.close();
    return {
      ...common,
      ...result,
      ...storeOf(links, result.nodes),
      findings: findingsOf(),
      harness: simHarnessHealth(),
    };
  }

  if (gateway) await assertGatewayReachable(gateway.url);
  const scheduler = new RealScheduler(options.speed);
  let fleet: MockFleet | undefined;
  let upstream: Upstream | undefined;
  let links: NodeLinks | undefined;
  try {
    if (scenario.nodes > 1 && !gateway)
      links = await linkNodes(scenario, scheduler, "live", options.speed);
    fleet = await startMockFleet({
      vendors: scenario.vendors,
      faults: scenario.faults,
      seed: options.seed,
      scheduler,
      host: "127.0.0.1",
      ...(options.portBase !== undefined ? { portBase: options.portBase } : {}),
      scenarioDurationMs: scenario.durationMs,
      // The harness opens its connections and warms the chat path to the mocks (its
      // side and theirs) before scenario time starts, so a cold start does not show
      // as send lag and latency.
      ...(gateway
        ? {}
        : {
            beforeClock: async (servers: readonly { vendor: string; origin: string }[]) => {
              const http = HttpUpstream.forMocks(scenario.vendors, servers, scheduler);
              upstream = http;
              const warmUp = warmUpPlan(scenario, options.seed, options.speed);
              await http.warmUp(warmUp.calls, warmUp.count, options.signal);
              await rehearse({
                scenario,
                seed: options.seed,
                speed: options.speed,
                count: warmUp.count,
                upstream: http.asWarmUp(),
                books: () => ({
                  recorder: new Recorder(laneNames, routes, scenario.faults),
                  findings: newTracker(),
                }),
                maxWallMs: REHEARSAL_MAX_WALL_MS,
                signal: options.signal,
              });
            },
          }),
    });
    const mocks = fleet.servers;
    options.onMocksReady?.(mocks.map((m) => ({ vendor: m.vendor, baseUrl: m.baseUrl })));
    const clientTries = gateway ? new ClientTryLog() : undefined;
    upstream = gateway
      ? new GatewayUpstream(gatewayTarget(scenario, mocks, gateway, options.speed), scheduler)
      : (upstream ?? HttpUpstream.forMocks(scenario.vendors, mocks, scheduler));
    const monitor = new HarnessMonitor(options.speed);
    const engine = new Engine({
      ...engineOptions(scheduler, upstream, clientTries, links),
      onArrival: (lag) => monitor.recordSendLag(lag),
    });
    links?.start();
    const stop = () => engine.stop(STOP_GRACE_MS);
    options.signal?.addEventListener("abort", stop, { once: true });
    engine.start();
    // Ctrl-C while the mocks were starting: the signal fired before anyone listened.
    if (options.signal?.aborted) stop();
    // A fleet that dies mid-run (its worker crashed) ends the run at once: exit 3, no hang.
    const failure = fleet.failed.then((error) => {
      engine.stop(0);
      return error;
    });
    const outcome = await Promise.race([engine.done, failure]);
    options.signal?.removeEventListener("abort", stop);
    if (outcome instanceof RunError) {
      await engine.done;
      monitor.stop();
      throw outcome;
    }
    const harness = monitor.stop();
    if (!gateway || !clientTries)
      return {
        ...common,
        ...outcome,
        ...storeOf(links, outcome.nodes),
        findings: findingsOf(),
        harness,
      };
    // Only the mocks saw the gateway's attempts: book them, then judge both sides.
    // What the gateway still holds open (a silent call it never let go of) ends now.
    const log = await fleet.attempts({ endOpen: true });
    bookVendorSide(recorder, log.attempts);
    replayGatewayRun(tracker, clientTries.tries, log.attempts);
    return {
      ...common,
      ...outcome,
      findings: findingsOf(),
      harness,
      gateway: {
        url: gateway.url,
        kind: gateway.kind,
        attemptsLogged: log.attempts.length,
        attemptsDropped: log.dropped,
      },
    };
  } finally {
    await links?.close();
    await upstream?.close();
    await fleet?.close();
    scheduler.dispose();
  }
}
