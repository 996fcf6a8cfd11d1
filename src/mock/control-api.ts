import type { IncomingMessage, ServerResponse } from "node:http";
import type { Scheduler } from "../clock/clock.js";
import { formatIssues } from "../scenario/problems.js";
import { liveFaultSchema, resolveFault } from "../vendor/faults/fault-kinds.js";
import type { VendorModel } from "../vendor/vendor-model.js";
import { type AttemptLog, attemptsOf } from "./attempt-log.js";

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * The mock's control API beside the vendor's own endpoints (CONTRACT.md):
 * GET /_gw/state, and faults added, listed and cleared while it runs.
 *   POST /_gw/faults {"kind":"throttle","probability":1,"for":"30s"} -> 201 {"id"}
 *   GET /_gw/faults, DELETE /_gw/faults/<id>, DELETE /_gw/faults
 *   GET /_gw/attempts[?since=<index>&limit=<n>] -> {"attempts":[...],"dropped","next","total"}
 *   DELETE /_gw/attempts
 */
export class ControlApi {
  private nextId = 1;
  private clientRetries = 0;
  /** Per model, the statuses the server really answered with (0: no answer at all). */
  private readonly statuses = new Map<string, Map<number, number>>();

  constructor(
    private readonly model: VendorModel,
    private readonly scheduler: Scheduler,
    private readonly scenarioDurationMs: number,
    private readonly attempts: AttemptLog,
  ) {}

  countStatus(model: string, status: number): void {
    let counts = this.statuses.get(model);
    if (!counts) {
      counts = new Map();
      this.statuses.set(model, counts);
    }
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }

  /** Counts retries that official SDKs announce in x-stainless-retry-count. */
  countClientRetry(header: string | string[] | undefined): void {
    const n = Number(Array.isArray(header) ? header[0] : header);
    if (Number.isInteger(n) && n > 0) this.clientRetries++;
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string) {
    const method = req.method ?? "GET";
    if (method === "GET" && path === "/_gw/state") return this.state(res);
    if (method === "GET" && path === "/_gw/faults")
      return sendJson(res, 200, { faults: this.faults() });
    if (method === "DELETE" && path === "/_gw/faults") {
      this.model.faults.clear();
      return sendJson(res, 200, { cleared: true });
    }
    if (method === "DELETE" && path.startsWith("/_gw/faults/")) {
      let id: string;
      try {
        id = decodeURIComponent(path.slice("/_gw/faults/".length));
      } catch {
        return sendJson(res, 400, {
          error: { message: "the fault id is not a valid URL segment" },
        });
      }
      return this.model.faults.remove(id)
        ? sendJson(res, 200, { removed: id })
        : sendJson(res, 404, { error: { message: `no fault with id "${id}"` } });
    }
    if (method === "POST" && path === "/_gw/faults") return this.addFault(req, res);
    if (path === "/_gw/attempts") {
      if (method === "GET") return this.listAttempts(req, res, this.attempts);
      if (method === "DELETE") {
        this.attempts.clear();
        return sendJson(res, 200, { cleared: true });
      }
    }
    req.resume();
    sendJson(res, 404, { error: { message: `no control endpoint ${method} ${path}` } });
  }

  private state(res: ServerResponse): void {
    const now = this.scheduler.now();
    sendJson(res, 200, {
      vendor: this.model.spec.name,
      nowMs: now,
      models: Object.fromEntries(
        Object.entries(this.model.state(now)).map(([name, budget]) => [
          name,
          { ...budget, statuses: Object.fromEntries(this.statuses.get(name) ?? []) },
        ]),
      ),
      clientRetries: this.clientRetries,
      faults: this.faults(),
    });
  }

  /**
   * A page of the attempt log from index `since` (0 by default), at most `limit`
   * records (ATTEMPTS_PAGE by default, so one answer stays a few tens of MB).
   * `next` is the `since` of the next page; the log holds `total` records, so
   * a reader is done when `next` reaches it. JSON has no undefined: a request id
   * that did not come through is null.
   */
  private listAttempts(req: IncomingMessage, res: ServerResponse, log: AttemptLog): void {
    req.resume();
    const url = req.url ?? "";
    const query = new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "");
    const since = wholeNumber(query.get("since"), 0);
    const limit = wholeNumber(query.get("limit"), ATTEMPTS_PAGE);
    if (since === undefined || limit === undefined) {
      sendJson(res, 400, {
        error: { message: "since and limit are whole numbers, e.g. ?since=1000&limit=500" },
      });
      return;
    }
    const page = log.columns(since, Math.min(limit, ATTEMPTS_PAGE));
    const attempts = attemptsOf(page).map((a) => ({
      ...a,
      requestId: a.requestId ?? null,
      clientTry: a.clientTry ?? null,
    }));
    sendJson(res, 200, {
      attempts,
      dropped: page.dropped,
      next: page.since + page.count,
      total: page.total,
    });
  }

  private faults() {
    return this.model.faults.list().map((f) => ({
      ...f,
      untilMs: Number.isFinite(f.untilMs) ? f.untilMs : null,
    }));
  }

  private addFault(req: IncomingMessage, res: ServerResponse): void {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      raw += chunk;
      if (raw.length > 64 * 1024) req.destroy();
    });
    req.on("end", () => {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, { error: { message: "the body is not JSON" } });
      }
      const parsed = liveFaultSchema.safeParse(body, { reportInput: true });
      if (!parsed.success) {
        const problems = formatIssues("fault", parsed.error.issues, liveFaultSchema);
        return sendJson(res, 400, { error: { message: problems.join("; "), problems } });
      }
      const fault = parsed.data;
      const vendor = this.model.spec.name;
      if (fault.vendor !== undefined && fault.vendor !== vendor) {
        return sendJson(res, 400, {
          error: { message: `this server is vendor "${vendor}", not "${fault.vendor}"` },
        });
      }
      if (
        fault.model !== undefined &&
        !this.model.spec.models.some((m) => m.name === fault.model)
      ) {
        return sendJson(res, 400, {
          error: { message: `vendor "${vendor}" has no model "${fault.model}"` },
        });
      }
      const id = `live-${this.nextId++}`;
      this.model.faults.add(
        resolveFault(fault, vendor, id, this.scheduler.now(), this.scenarioDurationMs),
      );
      sendJson(res, 201, { id });
    });
  }
}

/** The most records one GET /_gw/attempts answers with (about 200 bytes of JSON each). */
export const ATTEMPTS_PAGE = 100_000;

/** A query parameter that must be a whole number; the fallback when absent, undefined when bad. */
function wholeNumber(value: string | null, fallback: number): number | undefined {
  if (value === null || value === "") return fallback;
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}
