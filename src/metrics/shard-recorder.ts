import type { ErrorCategory } from "../router/error-category.js";
import type { RouterEvent } from "../router/router.js";
import type { RouteId } from "../router/types.js";
import { ownsRequest, type Shard } from "../traffic/shard.js";
import type { FaultSpec } from "../vendor/types.js";
import type { LedgerOutcome } from "./ledger.js";
import { Recorder, type RequestTags, type RouteInfo } from "./recorder.js";

/**
 * The recorder of one shard of a sim run (`--shard i/n --mode sim`). In a shared world
 * requests interact (vendor limits, router budgets, 429s), so a sim shard runs the whole
 * storm through router and vendors, as the unsharded run does: the other shards'
 * requests are background load, and modelling them costs no real load. It books only
 * its own requests (ledger, lanes, tenants, routes, series), so the shards' reports add
 * up to the unsharded one. `world` hears everything: failover timing, the findings and
 * each second's queue depth are of the whole world, the same in every shard.
 */
export class ShardRecorder extends Recorder {
  readonly world: Recorder;

  constructor(
    laneNames: readonly string[],
    routes: readonly RouteInfo[],
    faults: readonly FaultSpec[],
    private readonly shard: Shard,
  ) {
    // Failover is timed on the world's recorder: this one watches no fault.
    super(laneNames, routes, [], { keepSecondHistograms: true });
    this.world = new Recorder(laneNames, routes, faults);
  }

  private owns(id: number): boolean {
    return ownsRequest(this.shard, id);
  }

  override generated(id: number, tags: RequestTags): void {
    this.world.generated(id, tags);
    if (this.owns(id)) super.generated(id, tags);
  }

  override routerEvent(event: RouterEvent): void {
    this.world.routerEvent(event);
  }

  override clientRetry(tags: RequestTags): void {
    this.world.clientRetry(tags);
    if (this.owns(tags.id)) super.clientRetry(tags);
  }

  override firstSend(tags: RequestTags, intendedMs: number, nowMs: number): void {
    this.world.firstSend(tags, intendedMs, nowMs);
    if (this.owns(tags.id)) super.firstSend(tags, intendedMs, nowMs);
  }

  override sent(route: RouteId, tags: RequestTags, fresh: boolean, nowMs: number): void {
    this.world.sent(route, tags, fresh, nowMs);
    if (this.owns(tags.id)) super.sent(route, tags, fresh, nowMs);
  }

  override attemptDone(
    route: RouteId,
    tags: RequestTags,
    status: number,
    category: ErrorCategory | undefined,
    tokens: { prompt: number; completion: number },
    nowMs: number,
  ): void {
    this.world.attemptDone(route, tags, status, category, tokens, nowMs);
    if (this.owns(tags.id)) super.attemptDone(route, tags, status, category, tokens, nowMs);
  }

  override served(
    id: number,
    tags: RequestTags,
    route: RouteId,
    tried: readonly RouteId[],
    intendedMs: number,
    nowMs: number,
    firstTokenMs?: number,
  ): void {
    this.world.served(id, tags, route, tried, intendedMs, nowMs, firstTokenMs);
    if (this.owns(id)) super.served(id, tags, route, tried, intendedMs, nowMs, firstTokenMs);
  }

  override settle(id: number, outcome: Exclude<LedgerOutcome, { type: "ok" }>): void {
    this.world.settle(id, outcome);
    if (this.owns(id)) super.settle(id, outcome);
  }

  /**
   * Queue depth is the router's figure for the whole world (telling our requests from
   * the others' in its queues would cost a walk of them each second): both recorders
   * read it, so every shard's series carries the same depth.
   */
  override closeSecond(t: number, queueDepth: (lane: string) => number): void {
    this.world.closeSecond(t, queueDepth);
    super.closeSecond(t, queueDepth);
  }
}
