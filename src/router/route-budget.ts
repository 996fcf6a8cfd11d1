import type { BudgetObservation, LimitObservation } from "./rate-limit-headers.js";
import { RollingSum } from "./rolling-sum.js";
import type { RouteOptions } from "./types.js";

interface LearnedLimit extends LimitObservation {
  /** Scenario ms when the router read it. */
  observedAtMs: number;
  /** The route's send counter (requests or tokens) when it was read. */
  sentAtObservation: number;
  /** The send sequence number of the attempt whose answer said it, and when it was sent. */
  seq: number;
  sentAtMs: number;
  /**
   * Whether the limit was seen refilling before its reset time (a token bucket or a
   * rolling window). Until then the router assumes the least: nothing comes back
   * before the stated reset, as with a fixed window (P3).
   */
  refillsContinuously: boolean;
  /** Emptied by a 429: refilled steadily from zero until the vendor's next word. */
  emptiedByThrottle: boolean;
  /** Other nodes' sends (P20) heard of when it was read. */
  peerAtObservation: number;
}

/** Where one send stands among its route's sends. */
export interface SendMark {
  seq: number;
  /** Tokens sent to the route up to and including this send. */
  tokensAfter: number;
  sentAtMs: number;
}

export interface BudgetRules {
  /** P2: tokens, concurrent calls and daily spend are limits too, not just requests. */
  allLimits: boolean;
  /** P3: no assumed reset shape; learned from what the headers do. */
  learnShape: boolean;
}

const DAY_MS = 86_400_000;

/** What a route is believed to have left now, beside the limits it stated. */
export interface BudgetEstimate {
  requests?: number;
  requestLimit?: number;
  tokens?: number;
  tokenLimit?: number;
}
/** Other nodes' sends count against a route for a minute, the period limits are stated in. */
const PEER_WINDOW_MS = 60_000;
/** Large prompts' share is reckoned over a minute, the period token limits are stated in. */
const LARGE_PROMPT_WINDOW_MS = 60_000;

/**
 * The router's live picture of one route's budget (P4), learned from the vendor's
 * headers: what remained when a response came back, refilled towards the limit by
 * the stated reset time, less what the router has sent since. Beside it, what the
 * router knows without headers (P2): calls in flight against the route's
 * concurrency, and spend today against its daily budget.
 * Until a route has answered once, it is assumed to have room.
 */
export class RouteBudget {
  private requests: LearnedLimit | undefined;
  private tokens: LearnedLimit | undefined;
  private requestsSent = 0;
  private tokensSent = 0;
  /** What other router nodes sent to the route, as heard through the shared store (P20). */
  private peerRequests = 0;
  private peerTokens = 0;
  /** ...and of that, what they sent in the last minute: older sends no longer count. */
  private readonly recentPeerRequests = new RollingSum(PEER_WINDOW_MS, 12);
  private readonly recentPeerTokens = new RollingSum(PEER_WINDOW_MS, 12);
  private staleBeforeSend = 0;
  private spendDay = 0;
  private spentTodayUsd = 0;
  /** Tokens of large prompts sent in the last minute (P10). */
  readonly largeTokens = new RollingSum(LARGE_PROMPT_WINDOW_MS, 12);
  inFlight = 0;

  constructor(
    readonly options: RouteOptions,
    private readonly rules: BudgetRules,
  ) {}

  /**
   * Learns from the answer to one send. What the vendor said remained counts every
   * send up to that one (they reached it first); sends after it are subtracted.
   */
  observe(observation: BudgetObservation, mark: SendMark, nowMs: number): void {
    if (mark.seq < this.staleBeforeSend) return;
    const requests = observation.requests;
    const tokens = observation.tokens ?? observation.inputTokens;
    if (requests)
      this.requests = this.learn(
        this.requests,
        requests,
        mark,
        mark.seq + 1,
        this.peerRequests,
        nowMs,
      );
    if (tokens)
      this.tokens = this.learn(this.tokens, tokens, mark, mark.tokensAfter, this.peerTokens, nowMs);
  }

  /**
   * A 429 is the vendor's word that the route is out of budget now, whatever its
   * headers say (a limit enforced per short slice still reports per-minute room):
   * the learned budget starts again from empty and refills at the stated rate.
   */
  exhausted(nowMs: number): void {
    for (const learned of [this.requests, this.tokens]) {
      if (!learned) continue;
      learned.resetMs = 60_000;
      learned.remaining = 0;
      learned.observedAtMs = nowMs;
      learned.sentAtObservation = learned === this.requests ? this.requestsSent : this.tokensSent;
      learned.peerAtObservation = learned === this.requests ? this.peerRequests : this.peerTokens;
      // What refills a slice-enforced limit is its window, not the per-minute reset:
      // assume a steady refill until an answer says more.
      learned.emptiedByThrottle = true;
    }
    // Answers to attempts sent before now speak of an older state: they must not
    // refill the picture the 429 just emptied.
    this.staleBeforeSend = this.requestsSent;
  }

  /** Sends made to the route so far. */
  get sends(): number {
    return this.requestsSent;
  }

  /** Tokens sent to the route so far (prompt and max_tokens of every send). */
  get tokensSentSoFar(): number {
    return this.tokensSent;
  }

  /**
   * Sends other router nodes made to the route (P20), heard through the shared
   * store: they use the same vendor budget, so they come off what this node
   * believes is left. Heard late, some were already counted in the vendor's last
   * word; counting them twice errs on the side of room to spare.
   */
  recordPeerSends(requests: number, tokens: number, nowMs: number): void {
    this.peerRequests += requests;
    this.peerTokens += tokens;
    if (requests > 0) this.recentPeerRequests.add(nowMs, requests);
    if (tokens > 0) this.recentPeerTokens.add(nowMs, tokens);
  }

  /**
   * Other nodes' sends to take off the picture learned at an observation: those
   * heard since it, but no more than they sent in the last minute (a node that has
   * not sent here for long gets no new word from the vendor, and its peers' older
   * sends have left the vendor's window).
   */
  private peerSince(learned: LearnedLimit, tokens: boolean, nowMs: number): number {
    const since = (tokens ? this.peerTokens : this.peerRequests) - learned.peerAtObservation;
    if (since <= 0) return 0;
    const recent = (tokens ? this.recentPeerTokens : this.recentPeerRequests).sum(nowMs);
    return Math.min(since, recent);
  }

  /** Counts a send; returns where it stands among this route's sends. */
  recordSend(tokens: number, nowMs: number): SendMark {
    const seq = this.requestsSent;
    this.requestsSent += 1;
    this.tokensSent += tokens;
    this.inFlight += 1;
    return { seq, tokensAfter: this.tokensSent, sentAtMs: nowMs };
  }

  recordDone(nowMs: number, usage?: { prompt: number; completion: number }): void {
    this.inFlight -= 1;
    const price = this.options.priceUsdPerMTok;
    if (!usage || !price) return;
    this.rollDay(nowMs);
    this.spentTodayUsd += (usage.prompt * price.input + usage.completion * price.output) / 1e6;
  }

  /** Requests and tokens the route is estimated to have left now. */
  estimate(nowMs: number): BudgetEstimate {
    const out: BudgetEstimate = {};
    if (this.requests) {
      out.requests = this.available(this.requests, this.requestsSent, false, nowMs);
      out.requestLimit = this.requests.limit;
    }
    if (this.tokens) {
      out.tokens = this.available(this.tokens, this.tokensSent, true, nowMs);
      out.tokenLimit = this.tokens.limit;
    }
    return out;
  }

  /** Tokens left above the headroom floor (Infinity while the limit is unknown). */
  tokenRoom(headroom: number, nowMs: number): number {
    if (!this.tokens) return Number.POSITIVE_INFINITY;
    return (
      this.available(this.tokens, this.tokensSent, true, nowMs) - this.tokens.limit * (1 - headroom)
    );
  }

  /** The learned token limit per minute, if any (P10's share is a share of it). */
  get tokenLimit(): number | undefined {
    return this.tokens?.limit;
  }

  get spentToday(): number {
    return this.spentTodayUsd;
  }

  /**
   * Whether one more request costing `tokens` fits while keeping the share of the
   * limit that headroom leaves unused (P6): at 0.85, the last 15% stays untouched.
   * With P2, tokens, concurrency and daily spend must all have room, not only requests.
   */
  hasRoom(tokens: number, headroom: number, nowMs: number): boolean {
    const { concurrency, dailySpendUsd } = this.options;
    // The cheapest check first: calls in flight against the concurrency (P2).
    if (
      this.rules.allLimits &&
      concurrency !== undefined &&
      this.inFlight >= Math.max(1, Math.round(concurrency * headroom))
    )
      return false;
    if (!this.fits(this.requests, this.requestsSent, false, 1, headroom, nowMs)) return false;
    if (!this.rules.allLimits) return true;
    if (!this.fits(this.tokens, this.tokensSent, true, tokens, headroom, nowMs)) return false;
    if (dailySpendUsd !== undefined) {
      this.rollDay(nowMs);
      if (this.spentTodayUsd >= dailySpendUsd) return false;
    }
    return true;
  }

  private rollDay(nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    if (day !== this.spendDay) {
      this.spendDay = day;
      this.spentTodayUsd = 0;
    }
  }

  /** Updates (or creates) the learned limit in place: no allocation per answer. */
  private learn(
    learned: LearnedLimit | undefined,
    limit: LimitObservation,
    { seq, sentAtMs }: SendMark,
    sentAtObservation: number,
    peerAtObservation: number,
    nowMs: number,
  ): LearnedLimit {
    if (!learned) {
      return {
        peerAtObservation,
        limit: limit.limit,
        remaining: limit.remaining,
        resetMs: limit.resetMs,
        observedAtMs: nowMs,
        sentAtObservation,
        seq,
        sentAtMs,
        refillsContinuously: false,
        emptiedByThrottle: false,
      };
    }
    // An answer to an older send than the one already learned from says less.
    if (seq < learned.seq) return learned;
    if (
      !learned.refillsContinuously &&
      // The picture a 429 emptied is the router's guess, not the vendor's count.
      !learned.emptiedByThrottle &&
      seq > learned.seq &&
      // Both sends fell inside the window the earlier answer described...
      sentAtMs < learned.sentAtMs + learned.resetMs &&
      // ...yet the vendor counts fewer used than were sent in between: room came
      // back before the stated reset, so this limit refills as it goes.
      limit.remaining + (sentAtObservation - learned.sentAtObservation) >= learned.remaining + 1
    ) {
      learned.refillsContinuously = true;
    }
    learned.limit = limit.limit;
    learned.remaining = limit.remaining;
    learned.resetMs = limit.resetMs;
    learned.observedAtMs = nowMs;
    learned.sentAtObservation = sentAtObservation;
    learned.peerAtObservation = peerAtObservation;
    learned.seq = seq;
    learned.sentAtMs = sentAtMs;
    learned.emptiedByThrottle = false;
    return learned;
  }

  private available(learned: LearnedLimit, sent: number, tokens: boolean, nowMs: number): number {
    const { limit, remaining, resetMs, observedAtMs, sentAtObservation } = learned;
    const elapsed = nowMs - observedAtMs;
    let refilled: number;
    if (resetMs <= 0 || elapsed >= resetMs) refilled = limit;
    else if (learned.refillsContinuously || learned.emptiedByThrottle || !this.rules.learnShape)
      refilled = remaining + ((limit - remaining) * elapsed) / resetMs;
    else refilled = remaining;
    // (Peers' sends only with several nodes: a lone router never hears any.)
    const peers =
      this.peerRequests === 0 && this.peerTokens === 0 ? 0 : this.peerSince(learned, tokens, nowMs);
    return Math.min(limit, refilled) - (sent - sentAtObservation) - peers;
  }

  private fits(
    learned: LearnedLimit | undefined,
    sent: number,
    tokens: boolean,
    cost: number,
    headroom: number,
    nowMs: number,
  ): boolean {
    if (!learned) return true;
    return this.available(learned, sent, tokens, nowMs) - cost >= learned.limit * (1 - headroom);
  }
}
