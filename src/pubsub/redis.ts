/**
 * The `redis` backend (`--data-store redis://host:port/db`), for several
 * machines. Two connections, since one in subscriber mode takes only
 * subscribe commands: `client` publishes (and holds locks), `subscriber`
 * listens. ioredis reconnects with backoff and re-subscribes by itself.
 * While Redis is down, publish fails at once with E_PUBSUB_UNAVAILABLE rather
 * than queueing without bound; subscriptions made meanwhile wait for it.
 * Each worker subscribes on its own connection, so Redis sends it each
 * message once: never twice per subscriber, on any machine.
 */
import { Redis } from "ioredis";
import { PubSubArgumentError, PubSubUnavailableError } from "../errors.ts";
import { isPattern } from "./glob.ts";
import { Hub } from "./hub.ts";

export interface RedisPubSubOptions {
  /** How long `connect` waits for Redis, in ms (default 5000). */
  connectTimeout?: number;
}

/** Check a `redis://` or `rediss://` URL; throws E_PUBSUB_ARGUMENT naming what is wrong. */
export function checkRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PubSubArgumentError(`data store "${url}" is not a URL; expected redis://host:port/db`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new PubSubArgumentError(`data store "${url}" is not redis:// or rediss://; expected redis://host:port/db`);
  const db = u.pathname.replace(/^\//, "");
  if (db && !/^\d+$/.test(db))
    throw new PubSubArgumentError(
      `data store "${url}" names database "${db}"; expected a number (redis://host:port/0)`,
    );
  return u;
}

/**
 * Pub/sub over Redis.
 * @example
 * const ps = await RedisPubSub.connect("redis://127.0.0.1:6379/0");
 * await ps.subscribe("chat", (m) => console.log(m));
 * await ps.publish("chat", "hello");
 */
export class RedisPubSub extends Hub {
  readonly backend = "redis" as const;
  /** The command connection: publish, locks. */
  readonly client: Redis;
  readonly subscriber: Redis;
  readonly #where: string;
  #down = false;

  constructor(
    readonly url: string,
    options: RedisPubSubOptions = {},
  ) {
    super("pubsub:redis");
    const u = checkRedisUrl(url);
    this.#where = `${u.hostname}:${u.port || 6379}`;
    const common = {
      connectTimeout: options.connectTimeout ?? 5000,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      lazyConnect: false,
    };
    this.client = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    this.subscriber = new Redis(url, {
      ...common,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
    });
    for (const conn of [this.client, this.subscriber]) {
      // An unhandled "error" event would crash the worker. A restart may show only as a
      // "close" (no error when the reconnection succeeds at once): report an outage once either way.
      conn.on("error", (err: Error) => this.#lost(err.message));
      conn.on("close", () => this.#lost("connection closed"));
      conn.on("ready", () => {
        if (!this.#down || this.client.status !== "ready" || this.subscriber.status !== "ready") return;
        this.#down = false;
        this.log.info(`reconnected to redis at ${this.#where}; subscriptions restored`);
      });
    }
    this.subscriber.on("message", (channel: string, message: string) => this.deliver(channel, [channel], message));
    this.subscriber.on("pmessage", (pattern: string, channel: string, message: string) =>
      this.deliver(channel, [pattern], message),
    );
  }

  #lost(why: string): void {
    if (this.#down || this.closed) return;
    this.#down = true;
    this.log.warn(`redis at ${this.#where} is unreachable (${why}); reconnecting`);
  }

  /** Connect and wait until both connections are ready; throws E_PUBSUB_UNAVAILABLE after `connectTimeout`. */
  static async connect(url: string, options: RedisPubSubOptions = {}): Promise<RedisPubSub> {
    const ps = new RedisPubSub(url, options);
    try {
      await ps.ready(options.connectTimeout ?? 5000);
    } catch (err) {
      await ps.close();
      throw err;
    }
    return ps;
  }

  /** Resolve once both connections are ready, or throw E_PUBSUB_UNAVAILABLE after `ms`. */
  async ready(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (const conn of [this.client, this.subscriber]) {
      if (conn.status === "ready") continue;
      const left = deadline - Date.now();
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), Math.max(0, left));
        const onReady = () => done(true);
        const done = (v: boolean) => {
          clearTimeout(timer);
          conn.off("ready", onReady);
          resolve(v);
        };
        conn.on("ready", onReady);
      });
      if (!ok) throw new PubSubUnavailableError(`redis at ${this.#where} did not answer within ${ms} ms`);
    }
  }

  protected async listen(keys: string[]): Promise<void> {
    const [patterns, exact] = split(keys);
    if (exact.length) await this.subscriber.subscribe(...exact);
    if (patterns.length) await this.subscriber.psubscribe(...patterns);
  }

  protected async unlisten(keys: string[]): Promise<void> {
    const [patterns, exact] = split(keys);
    const done = Promise.all([
      exact.length ? this.subscriber.unsubscribe(...exact) : null,
      patterns.length ? this.subscriber.punsubscribe(...patterns) : null,
    ]);
    // While Redis is down the commands wait for the reconnection; the handlers are gone already,
    // so a message that slips in meanwhile reaches nobody.
    if (this.subscriber.status === "ready") await done;
    else done.catch(() => {});
  }
  protected async send(channel: string, message: string): Promise<void> {
    if (this.client.status !== "ready")
      throw new PubSubUnavailableError(`cannot publish on "${channel}": redis at ${this.#where} is unreachable`, {
        status: this.client.status,
      });
    try {
      await this.client.publish(channel, message);
    } catch (err) {
      throw new PubSubUnavailableError(
        `cannot publish on "${channel}": redis at ${this.#where} failed (${(err as Error).message})`,
      );
    }
  }

  protected async shutdown(): Promise<void> {
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}

function split(keys: string[]): [string[], string[]] {
  const patterns: string[] = [];
  const exact: string[] = [];
  for (const k of keys) (isPattern(k) ? patterns : exact).push(k);
  return [patterns, exact];
}
