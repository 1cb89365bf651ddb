/**
 * A named lock shared by workers and machines, as the original had:
 * - with the embedded default, the arbiter holds it (a worker that dies loses it);
 * - with Redis, a random token and an expiry (renewed while held), so a crashed
 *   holder cannot keep it for longer than `ttl`;
 * - in a lone process, a table in memory.
 *
 *   await using lock = await acquire("report", { timeout: 5000 });
 */
import type { Redis } from "ioredis";
import { currentAid, request } from "../actor/runtime.ts";
import { LockTimeoutError, PubSubArgumentError } from "../errors.ts";
import { pickBackend } from "./create.ts";
import type { Backend } from "./hub.ts";
import { localLocks } from "./lock-table.ts";
import type { RedisPubSub } from "./redis.ts";
import { dataStore } from "./store.ts";

export interface LockOptions {
  /** How long to wait for the lock, in ms (default 10 000; 0 tries once). */
  timeout?: number;
  /** Redis only: the expiry in ms, renewed every third of it while held (default 30 000). */
  ttl?: number;
  backend?: Backend;
  /** The data store URL; by default the `data_store` setting. */
  url?: string;
}

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

/** A held lock: release it, or let `await using` do it. */
export class Lock implements AsyncDisposable {
  #released = false;
  constructor(
    readonly name: string,
    readonly token: string,
    readonly backend: Backend,
    private readonly free: () => Promise<unknown>,
  ) {}

  get held(): boolean {
    return !this.#released;
  }

  /** Give the lock back (once; later calls do nothing). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.free();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

/**
 * Wait for the lock `name`; throws E_LOCK_TIMEOUT if it stays taken past `timeout`.
 * @example
 * await using lock = await acquire("nightly-report", { timeout: 5000 });
 */
export async function acquire(name: string, options: LockOptions = {}): Promise<Lock> {
  if (typeof name !== "string" || !name)
    throw new PubSubArgumentError("acquire needs a lock name (a non-empty string)");
  const timeout = options.timeout ?? 10_000;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0)
    throw new PubSubArgumentError(`the lock timeout must be a number of ms ≥ 0, got ${JSON.stringify(timeout)}`);
  const token = crypto.randomUUID();
  const backend = pickBackend(options);
  const late = () => new LockTimeoutError(`lock "${name}" is still taken after ${timeout} ms`, { name, timeout });
  if (backend === "redis") return acquireRedis(name, token, timeout, options, late);
  if (backend === "arbiter" && currentAid() !== "arbiter" && currentAid() !== null) {
    const ok = await request({
      to: "arbiter",
      cmd: "lock_acquire",
      args: [name, token, Number.isFinite(timeout) ? timeout : -1],
      timeout: Number.isFinite(timeout) ? timeout + 5000 : 2 ** 31 - 1,
    });
    if (!ok) throw late();
    return new Lock(name, token, "arbiter", () => request({ to: "arbiter", cmd: "lock_release", args: [name, token] }));
  }
  const table = localLocks();
  if (!(await table.acquire(name, token, currentAid() ?? "local", timeout))) throw late();
  return new Lock(name, token, backend, async () => table.release(name, token));
}

const clients = new Map<string, Promise<RedisPubSub>>();

async function acquireRedis(
  name: string,
  token: string,
  timeout: number,
  options: LockOptions,
  late: () => Error,
): Promise<Lock> {
  const url = options.url || dataStore();
  if (!url) throw new PubSubArgumentError("a redis lock needs a URL (--data-store redis://host:port/db)");
  let conn = clients.get(url);
  if (!conn) {
    conn = import("./redis.ts").then(({ RedisPubSub }) => RedisPubSub.connect(url));
    clients.set(url, conn);
    conn.catch(() => clients.delete(url));
  }
  const redis: Redis = (await conn).client;
  const ttl = Math.max(100, options.ttl ?? 30_000);
  const key = `pulsar:lock:${name}`;
  const deadline = Date.now() + timeout;
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    if ((await redis.set(key, token, "PX", ttl, "NX")) === "OK") break;
    if (Date.now() + wait > deadline) throw late();
    await Bun.sleep(wait);
  }
  const renew = setInterval(() => redis.eval(RENEW, 1, key, token, ttl).catch(() => {}), ttl / 3);
  renew.unref();
  return new Lock(name, token, "redis", async () => {
    clearInterval(renew);
    await redis.eval(RELEASE, 1, key, token);
  });
}

/** Close the Redis connections locks opened (tests, shutdown). */
export async function closeLockClients(): Promise<void> {
  for (const [url, c] of clients) {
    clients.delete(url);
    await (await c.catch(() => null))?.close();
  }
}
