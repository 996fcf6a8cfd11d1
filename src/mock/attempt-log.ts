import { IdMap } from "../collections/id-map.js";
import type { VendorAttempt, VendorOutcome } from "../findings/vendor-attempt.js";
import type { WireResponse } from "../vendor/wire/wire-format.js";

/**
 * The mock vendor's log of every attempt that reached it (issue 9): with an
 * external gateway in front, only the mocks know which vendor served each attempt
 * and how many attempts a client request caused.
 *
 * Columns of typed arrays, not an array of objects: a million records are about
 * 42 MB that the garbage collector never has to walk, and the hot path allocates
 * only the short-lived AttemptRecord of each exchange.
 */

/** Records kept per server; later ones are counted in `dropped`, never stored. */
export const DEFAULT_ATTEMPT_CAP = 1_000_000;

/**
 * Distinct model names kept per log. A gateway may send any name (each unknown
 * one is a 404 record); past this many, a new name is written as OTHER_MODEL so
 * a flood of made-up names cannot grow the table.
 */
const MAX_NAMES = 4096;
const MAX_NAME_CHARS = 256;
export const OTHER_MODEL = "(other model: too many names)";

const OUTCOMES: readonly VendorOutcome[] = [
  "ok",
  "throttled",
  "quota",
  "overloaded",
  "server-error",
  "bad-request",
  "stalled",
  "reset",
  "stream-cut",
  "refused",
  "abandoned",
];
const OUTCOME_CODE = new Map(OUTCOMES.map((o, i) => [o, i]));

/**
 * One exchange while it is open, filled in as it goes and copied into the log
 * when it ends. A class, so every record has the same shape.
 */
export class AttemptRecord {
  /** NaN while unknown (no header, or a malformed one). */
  requestId = Number.NaN;
  /** -1 while unknown. */
  clientTry = -1;
  /** -1 while the exchange is open: a record is logged once. */
  endedMs = -1;
  /** NaN when the vendor asked for no wait. */
  retryAfterMs = Number.NaN;
  /** What the exchange comes to if nothing else is said: the caller hung up first. */
  outcome: VendorOutcome = "abandoned";
  /** The log's number for it while it is open (-1 before it opens). */
  openId = -1;

  constructor(
    idHeader: string | string[] | undefined,
    public model: string,
    public stream: boolean,
    public readonly receivedMs: number,
  ) {
    if (idHeader !== undefined)
      readRequestId(Array.isArray(idHeader) ? idHeader[0] : idHeader, this);
  }
}

/**
 * parseRequestIdHeader (findings/vendor-attempt.ts) without its regex match and
 * result object, for the mocks' hot path: `<requestId>.<clientTry>`, 1 to 15 and
 * 1 to 6 digits, surrounding whitespace ignored; anything else leaves both unknown.
 */
export function readRequestId(value: string | undefined, into: AttemptRecord): void {
  if (value === undefined || value.length === 0) return;
  // A valid value starts and ends with a digit; anything else may be whitespace
  // around one, as String.prototype.trim sees it (rare: node trims header values).
  if (!isDigit(value.charCodeAt(0)) || !isDigit(value.charCodeAt(value.length - 1)))
    value = value.trim();
  const end = value.length;
  let id = 0;
  let i = 0;
  while (i < end && isDigit(value.charCodeAt(i))) id = id * 10 + (value.charCodeAt(i++) - 48);
  if (i < 1 || i > 15 || i >= end || value.charCodeAt(i) !== 46) return;
  const start = ++i;
  let clientTry = 0;
  while (i < end && isDigit(value.charCodeAt(i)))
    clientTry = clientTry * 10 + (value.charCodeAt(i++) - 48);
  if (i < end || i - start < 1 || i - start > 6) return;
  into.requestId = id;
  into.clientTry = clientTry;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * The wait a refusal asks for, in ms, read from what the format wrote: the
 * retry-after-ms header, else Retry-After in seconds (every format here writes
 * seconds, never an HTTP date), else Gemini's RetryInfo retryDelay ("2s") in the
 * body of a 429. NaN when it asks for none (quota, 5xx, Bedrock's throttle).
 */
export function askedWaitMs(response: WireResponse): number {
  const ms = response.headers["retry-after-ms"];
  if (ms !== undefined && ms.trim() !== "" && Number.isFinite(Number(ms))) return Number(ms);
  const s = response.headers["retry-after"];
  if (s !== undefined && s.trim() !== "" && Number.isFinite(Number(s))) return Number(s) * 1000;
  if (response.status === 429) {
    const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(response.body);
    if (delay) return Number(delay[1]) * 1000;
  }
  return Number.NaN;
}

/** A copy of some of a log's records, as columns: what crosses a worker's message port. */
export interface AttemptColumns {
  vendor: string;
  /** Model names, indexed by `model`. */
  names: string[];
  /** Index in the log of the first record here. */
  since: number;
  /** Records here. */
  count: number;
  /** Records the log held when copied, and how many it had dropped past its cap. */
  total: number;
  dropped: number;
  requestId: Float64Array;
  clientTry: Int32Array;
  model: Uint16Array;
  receivedMs: Float64Array;
  endedMs: Float64Array;
  status: Uint16Array;
  outcome: Uint8Array;
  retryAfterMs: Float64Array;
  stream: Uint8Array;
}

/** The buffers of a copy, to transfer over a message port instead of cloning them. */
export function columnBuffers(c: AttemptColumns): ArrayBuffer[] {
  return [
    c.requestId,
    c.clientTry,
    c.model,
    c.receivedMs,
    c.endedMs,
    c.status,
    c.outcome,
    c.retryAfterMs,
    c.stream,
  ].map((column) => column.buffer as ArrayBuffer);
}

/** The records of a copy as VendorAttempts, in the log's order (the order they ended). */
export function attemptsOf(c: AttemptColumns): VendorAttempt[] {
  const attempts: VendorAttempt[] = new Array(c.count);
  for (let i = 0; i < c.count; i++) {
    const requestId = c.requestId[i]!;
    const clientTry = c.clientTry[i]!;
    const attempt: VendorAttempt = {
      requestId: Number.isNaN(requestId) ? undefined : requestId,
      clientTry: clientTry < 0 ? undefined : clientTry,
      vendor: c.vendor,
      model: c.names[c.model[i]!]!,
      receivedMs: c.receivedMs[i]!,
      endedMs: c.endedMs[i]!,
      status: c.status[i]!,
      outcome: OUTCOMES[c.outcome[i]!]!,
      stream: c.stream[i] === 1,
    };
    const wait = c.retryAfterMs[i]!;
    if (!Number.isNaN(wait)) attempt.retryAfterMs = wait;
    attempts[i] = attempt;
  }
  return attempts;
}

/** Every server's records, server by server, and what their logs dropped past their caps. */
export function mergeAttempts(logs: readonly AttemptColumns[]): {
  attempts: VendorAttempt[];
  dropped: number;
} {
  const attempts: VendorAttempt[] = [];
  let dropped = 0;
  for (const log of logs) {
    for (const attempt of attemptsOf(log)) attempts.push(attempt);
    dropped += log.dropped;
  }
  return { attempts, dropped };
}

const FIRST_CAPACITY = 1024;

/** One server's attempts, in the order they ended, up to `cap` of them. */
export class AttemptLog {
  /** Exchanges under way: ended as they stand when a run reads the log for good. */
  private readonly openRecords = new IdMap<AttemptRecord>();
  private nextOpenId = 0;
  private count = 0;
  private droppedCount = 0;
  private capacity = 0;
  private names: string[] = [];
  private nameIndex = new Map<string, number>();
  private requestId = new Float64Array(0);
  private clientTry = new Int32Array(0);
  private model = new Uint16Array(0);
  private receivedMs = new Float64Array(0);
  private endedMs = new Float64Array(0);
  private status = new Uint16Array(0);
  private outcome = new Uint8Array(0);
  private retryAfterMs = new Float64Array(0);
  private stream = new Uint8Array(0);

  constructor(
    readonly vendor: string,
    readonly cap = DEFAULT_ATTEMPT_CAP,
  ) {}

  /** Records held. */
  get size(): number {
    return this.count;
  }

  /** Records not kept because the log was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** An exchange begins: it is logged when it ends, or by endOpen. */
  open(record: AttemptRecord): void {
    record.openId = this.nextOpenId++;
    this.openRecords.set(record.openId, record);
  }

  /**
   * Ends every exchange still under way as it stands now (a stall stays a stall,
   * anything else was hung up on): a run reads its log once its traffic is done,
   * and a gateway that never lets go of a silent call must still show it.
   */
  endOpen(nowMs: number): void {
    for (const record of this.openRecords.values()) this.end(record, 0, nowMs);
  }

  /** Ends an open record as it stands and logs it; a record already ended is left alone. */
  end(record: AttemptRecord, status: number, nowMs: number): void {
    if (record.openId >= 0) this.openRecords.delete(record.openId);
    if (record.endedMs >= 0) return;
    record.endedMs = nowMs;
    if (this.count >= this.cap) {
      this.droppedCount++;
      return;
    }
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.requestId[i] = record.requestId;
    this.clientTry[i] = record.clientTry;
    this.model[i] = this.nameCode(record.model);
    this.receivedMs[i] = record.receivedMs;
    this.endedMs[i] = nowMs;
    this.status[i] = status;
    this.outcome[i] = OUTCOME_CODE.get(record.outcome)!;
    this.retryAfterMs[i] = record.retryAfterMs;
    this.stream[i] = record.stream ? 1 : 0;
  }

  /** Forgets every record and the dropped count. */
  clear(): void {
    this.openRecords.clear();
    this.count = 0;
    this.droppedCount = 0;
    this.capacity = 0;
    this.names = [];
    this.nameIndex = new Map();
    this.allocate(0);
  }

  /** A copy of the records from index `since`, at most `limit` of them. */
  columns(since = 0, limit = Number.POSITIVE_INFINITY): AttemptColumns {
    const from = Math.min(Math.max(0, since), this.count);
    const to = Math.min(this.count, from + Math.max(0, limit));
    return {
      vendor: this.vendor,
      names: this.names.slice(),
      since: from,
      count: to - from,
      total: this.count,
      dropped: this.droppedCount,
      requestId: this.requestId.slice(from, to),
      clientTry: this.clientTry.slice(from, to),
      model: this.model.slice(from, to),
      receivedMs: this.receivedMs.slice(from, to),
      endedMs: this.endedMs.slice(from, to),
      status: this.status.slice(from, to),
      outcome: this.outcome.slice(from, to),
      retryAfterMs: this.retryAfterMs.slice(from, to),
      stream: this.stream.slice(from, to),
    };
  }

  private nameCode(name: string): number {
    const known = this.nameIndex.get(name);
    if (known !== undefined) return known;
    const kept =
      this.names.length >= MAX_NAMES - 1
        ? OTHER_MODEL
        : name.length > MAX_NAME_CHARS
          ? name.slice(0, MAX_NAME_CHARS)
          : name;
    const again = this.nameIndex.get(kept);
    if (again !== undefined) return again;
    this.names.push(kept);
    this.nameIndex.set(kept, this.names.length - 1);
    return this.names.length - 1;
  }

  /** Doubles the columns (up to the cap): memory follows the records, not the cap. */
  private grow(): void {
    this.allocate(Math.min(this.cap, Math.max(FIRST_CAPACITY, this.capacity * 2)));
  }

  private allocate(capacity: number): void {
    const n = this.count;
    const grown = <T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(
      old: T,
      make: (size: number) => T,
    ): T => {
      const next = make(capacity);
      next.set(old.subarray(0, n) as never);
      return next;
    };
    this.requestId = grown(this.requestId, (s) => new Float64Array(s));
    this.clientTry = grown(this.clientTry, (s) => new Int32Array(s));
    this.model = grown(this.model, (s) => new Uint16Array(s));
    this.receivedMs = grown(this.receivedMs, (s) => new Float64Array(s));
    this.endedMs = grown(this.endedMs, (s) => new Float64Array(s));
    this.status = grown(this.status, (s) => new Uint16Array(s));
    this.outcome = grown(this.outcome, (s) => new Uint8Array(s));
    this.retryAfterMs = grown(this.retryAfterMs, (s) => new Float64Array(s));
    this.stream = grown(this.stream, (s) => new Uint8Array(s));
    this.capacity = capacity;
  }
}
