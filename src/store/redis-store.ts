import { Redis } from "ioredis";
import {
  amountRefusal,
  holds,
  type Reply,
  type RouteNews,
  type SharedStore,
  windowIndex,
} from "./shared-store.js";

/** How long one command may take (wall ms) before the call answers with an Error. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 250;
/** How long opening the store may take (wall ms) before the run gives up on Redis. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2000;

export interface RedisStoreOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Every key of the run lives under gwc:<namespace>: so runs and tests never collide. */
  namespace: string;
  /** Scenario ms per wall ms: turns scenario spans into wall-clock TTLs. */
  speed: number;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Called each time the store is back after an outage, once both connections are
   * up and the node is subscribed again: the moment to catch up with inForce(now).
   */
  onReconnect?: () => void;
  /** Called on every change of status (to note an outage and its end). */
  onStatus?: (status: RedisStoreStatus) => void;
}

/**
 * connecting: opening, not yet up;
 * ready: both connections up (and subscribed, once asked to);
 * down: a connection is lost and reconnecting in the background;
 * closed: close() was called.
 */
export type RedisStoreStatus = "connecting" | "ready" | "down" | "closed";

/**
 * Keeps the news with the latest end per route (a clear deletes it, unless what is
 * kept was heard after the clear's answer), with a TTL that
 * only collects garbage, and tells every node on the channel, in one atomic step so
 * that what is kept and what is told never disagree.
 * KEYS: news key, set of routes. ARGV: news JSON, untilMs, TTL ms, kind, route, channel.
 */
const PUBLISH_LUA = `
local kept = 0
if ARGV[4] == 'clear' then
  local old = redis.call('GET', KEYS[1])
  if (not old) or tonumber(cjson.decode(old).atMs) <= tonumber(ARGV[2]) then
    redis.call('DEL', KEYS[1])
    redis.call('SREM', KEYS[2], ARGV[5])
  end
else
  local ttl = tonumber(ARGV[3])
  local old = redis.call('GET', KEYS[1])
  if (not old) or tonumber(ARGV[2]) >= tonumber(cjson.decode(old).untilMs) then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
    redis.call('SADD', KEYS[2], ARGV[5])
    if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
    kept = 1
  end
end
redis.call('PUBLISH', ARGV[6], ARGV[1])
return kept
`;

/**
 * Every route's kept news, in one round trip. KEYS: set of routes. ARGV: the news
 * keys' prefix. (The news keys are built in the script: a standalone Redis, not a
 * cluster.)
 */
const IN_FORCE_LUA = `
local found = {}
for _, route in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local news = redis.call('GET', ARGV[1] .. route)
  if news then table.insert(found, news) end
end
return found
`;

/** Adds to a window's counter and sets its expiry in one step. KEYS: counter. ARGV: amount, TTL ms. */
const ADD_LUA = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return total
`;

interface ScriptedRedis extends Redis {
  gwcPublish(...args: (string | number)[]): Promise<number>;
  gwcInForce(...args: (string | number)[]): Promise<string[]>;
  gwcAdd(...args: (string | number)[]): Promise<number>;
}

interface Listener {
  node: string;
  hear: (news: RouteNews) => void;
}

/**
 * The shared store in Redis, for nodes in separate processes or machines (live
 * mode). Two connections per node: one for commands, one in subscribe mode for the
 * news channel.
 *
 * It never stalls a request: nothing is queued while Redis is out of reach (a call
 * then answers with an Error at once), a command that takes longer than
 * commandTimeoutMs answers with an Error, and both connections keep reconnecting in
 * the background (50 ms doubling up to 1 s) so the store is back when Redis is.
 * Counter amounts are integers (spend in micro-dollars, say): Redis counts exactly
 * in integers, and a fractional amount answers with an Error.
 */
export class RedisStore implements SharedStore {
  readonly kind = "redis" as const;
  onReconnect: (() => void) | undefined;
  onStatus: ((status: RedisStoreStatus) => void) | undefined;
  /** The last connection error seen, for telling why the store is down. */
  lastError: Error | undefined;

  private readonly commands: ScriptedRedis;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly speed: number;
  private readonly listeners: Listener[] = [];
  private wantSubscribed = false;
  private commandsUp = false;
  private subscriberUp = false;
  private wasReady = false;
  private current: RedisStoreStatus = "connecting";

  private constructor(private readonly options: RedisStoreOptions) {
    if (!(options.speed > 0)) throw new Error(`speed must be above 0, not ${options.speed}`);
    if (options.namespace === "") throw new Error("the namespace must not be empty");
    this.speed = options.speed;
    this.prefix = `gwc:${options.namespace}:`;
    this.channel = `${this.prefix}news`;
    this.onReconnect = options.onReconnect;
    this.onStatus = options.onStatus;
    this.commands = this.client() as ScriptedRedis;
    this.commands.defineCommand("gwcPublish", { numberOfKeys: 2, lua: PUBLISH_LUA });
    this.commands.defineCommand("gwcInForce", { numberOfKeys: 1, lua: IN_FORCE_LUA });
    this.commands.defineCommand("gwcAdd", { numberOfKeys: 1, lua: ADD_LUA });
    this.subscriber = this.client();
    this.commands.on("ready", () => {
      this.commandsUp = true;
      this.update();
    });
    this.commands.on("close", () => {
      this.commandsUp = false;
      this.update();
    });
    this.subscriber.on("ready", () => this.resubscribe());
    this.subscriber.on("close", () => {
      this.subscriberUp = false;
      this.update();
    });
    this.subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.tell(message);
    });
  }

  /**
   * Opens a store with both connections up, or rejects with one line naming the
   * URL (without its password) and why: "cannot reach Redis at redis://...: ECONNREFUSED".
   */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const connecting = [store.commands.connect(), store.subscriber.connect()];
    // Whichever fails second must not be left as an unhandled rejection.
    for (const attempt of connecting) attempt.catch(() => undefined);
    try {
      await Promise.race([Promise.all(connecting), late]);
      return store;
    } catch (error) {
      await store.close();
      // When the connection closes, ioredis rejects with "Connection is closed."; the
      // why (ECONNREFUSED ...) came as an error event just before.
      const why = isClosedError(error) && store.lastError ? store.lastError : error;
      // A server that takes the connection and never answers fails the ready check.
      const said = /timed out/i.test(reason(why))
        ? `connected, but no answer within ${options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS} ms`
        : reason(why);
      throw new Error(`cannot reach Redis at ${redactUrl(options.url)}: ${said}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** connecting, ready, down (reconnecting in the background) or closed. */
  get status(): RedisStoreStatus {
    return this.current;
  }

  publish(news: RouteNews, done?: Reply<void>): void {
    if (this.refuse(done)) return;
    const json = JSON.stringify(news);
    const ttl = Math.max(1, Math.ceil((news.untilMs - news.atMs) / this.speed));
    this.answer(
      this.commands.gwcPublish(
        this.newsKey(news.route),
        `${this.prefix}routes`,
        json,
        news.untilMs,
        ttl,
        news.kind,
        news.route,
        this.channel,
      ),
      () => undefined,
      done,
    );
  }

  /**
   * Hears the other nodes' news. A subscribe that fails (Redis down) still holds: the
   * node is subscribed once the store is back, and onReconnect tells it to catch up.
   */
  subscribe(node: string, hear: (news: RouteNews) => void, done?: Reply<void>): void {
    if (this.refuse(done)) return;
    this.listeners.push({ node, hear });
    if (this.wantSubscribed && this.subscriberUp) {
      done?.(undefined);
      return;
    }
    this.wantSubscribed = true;
    this.answer(
      this.subscriber.subscribe(this.channel),
      () => {
        this.subscriberUp = true;
        this.update();
      },
      done,
    );
  }

  inForce(nowMs: number, done: Reply<RouteNews[]>): void {
    if (this.refuse(done)) return;
    this.answer(
      this.commands.gwcInForce(`${this.prefix}routes`, `${this.prefix}news:`),
      (kept) => {
        const found: RouteNews[] = [];
        for (const json of kept) {
          const news = parseNews(json);
          if (news !== undefined && holds(news) && news.untilMs > nowMs) found.push(news);
        }
        return found;
      },
      done,
    );
  }

  add(
    counter: string,
    amount: number,
    windowMs: number,
    nowMs: number,
    done?: Reply<number>,
  ): void {
    if (this.refuse(done)) return;
    const refused = amountRefusal(amount);
    if (refused) {
      done?.(refused);
      return;
    }
    // The window is kept for two of its spans, in wall ms: long enough for every
    // node to read it while it holds, then gone.
    const ttl = Math.max(1, Math.ceil((2 * windowMs) / this.speed));
    this.answer(
      this.commands.gwcAdd(this.counterKey(counter, windowMs, nowMs), amount, ttl),
      (total) => Number(total),
      done,
    );
  }

  count(counter: string, windowMs: number, nowMs: number, done: Reply<number>): void {
    if (this.refuse(done)) return;
    this.answer(
      this.commands.get(this.counterKey(counter, windowMs, nowMs)),
      (total) => (total === null ? 0 : Number(total)),
      done,
    );
  }

  /** Quits both connections (cut if quitting fails) and stops reconnecting. */
  async close(): Promise<void> {
    if (this.current === "closed") return;
    this.setStatus("closed");
    this.listeners.length = 0;
    await Promise.all([this.commands, this.subscriber].map(shutDown));
  }

  private client(): Redis {
    const client = new Redis(this.options.url, {
      lazyConnect: true,
      // Nothing waits for Redis: a call made while it is out of reach fails at once,
      // and a call in flight when the connection drops fails on the first retry.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // The subscriber subscribes again itself, to know when it is done.
      autoResubscribe: false,
      commandTimeout: this.options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: this.options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), 1000),
      // A dropped connection that the server does not close (a hung Redis) is cut
      // after this long, not ioredis's 2 s: nothing holds the process open.
      disconnectTimeout: 100,
    });
    // Connection errors are expected while Redis is down; they show in the status.
    client.on("error", (error: Error) => {
      this.lastError = error;
    });
    return client;
  }

  /** The subscriber is (back) up: subscribes again if the node had asked to hear news. */
  private resubscribe(): void {
    if (!this.wantSubscribed) {
      this.subscriberUp = true;
      this.update();
      return;
    }
    this.subscriber.subscribe(this.channel).then(
      () => {
        this.subscriberUp = true;
        this.update();
      },
      (error: Error) => {
        // Up but not subscribed: reconnect and try again, rather than stay deaf.
        this.lastError = error;
        if (this.current !== "closed") this.subscriber.disconnect(true);
      },
    );
  }

  private update(): void {
    if (this.current === "closed") return;
    const up = this.commandsUp && this.subscriberUp;
    if (up && this.current !== "ready") {
      const back = this.wasReady;
      this.wasReady = true;
      this.setStatus("ready");
      if (back) this.onReconnect?.();
    } else if (!up && this.current === "ready") this.setStatus("down");
  }

  private setStatus(status: RedisStoreStatus): void {
    if (status === this.current) return;
    this.current = status;
    this.onStatus?.(status);
  }

  private tell(message: string): void {
    const news = parseNews(message);
    if (news === undefined) return;
    for (const listener of [...this.listeners])
      if (listener.node !== news.node) listener.hear({ ...news });
  }

  private newsKey(route: string): string {
    return `${this.prefix}news:${route}`;
  }

  private counterKey(counter: string, windowMs: number, nowMs: number): string {
    return `${this.prefix}count:${counter}:${windowIndex(windowMs, nowMs)}`;
  }

  /** A closed store answers every call with an Error, at once. */
  private refuse(done: Reply<never> | undefined): boolean {
    if (this.current !== "closed") return false;
    done?.(new Error("the store is closed"));
    return true;
  }

  /**
   * Answers the callback with the command's outcome. The callback runs outside the
   * promise chain: an exception in it is the caller's, not an unhandled rejection.
   */
  private answer<R, T>(
    pending: Promise<R>,
    toValue: (result: R) => T,
    done: Reply<T> | undefined,
  ): void {
    pending.then(
      (result) => {
        const value = toValue(result);
        if (done !== undefined) queueMicrotask(() => done(value));
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        if (done !== undefined) queueMicrotask(() => done(failure));
      },
    );
  }
}

function parseNews(json: string): RouteNews | undefined {
  try {
    const news = JSON.parse(json) as RouteNews;
    return typeof news?.route === "string" && typeof news.untilMs === "number" ? news : undefined;
  } catch {
    return undefined;
  }
}

/** Quits politely, then cuts the connection anyway, so no socket or timer is left. */
async function shutDown(client: Redis): Promise<void> {
  if (client.status === "ready") await client.quit().catch(() => undefined);
  client.disconnect(false);
  // Reconnecting: the retry timer is cleared and there is no socket, so no "end" comes.
  if (client.status === "end" || client.status === "reconnecting") return;
  // disconnect() only half-closes; a server that never closes its side (one that
  // hangs) would hold the socket for ioredis's disconnectTimeout. Cut it now.
  client.stream?.destroy();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    client.once("end", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function isClosedError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("Connection is closed");
}

/** The error's code (ECONNREFUSED, ENOTFOUND ...) or, failing that, its message. */
function reason(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}
