/** Named locks: the in-process table (local and the arbiter's), and Redis with token and expiry. */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { acquire, closeLockClients } from "../../src/pubsub/lock.ts";
import { LockTable } from "../../src/pubsub/lock-table.ts";
import { RedisPubSub } from "../../src/pubsub/redis.ts";
import { RedisServer } from "../helpers/redis.ts";
import { hasRedis } from "../helpers/tools.ts";

describe("the lock table (local backend, and the arbiter's)", () => {
  it("serves waiters in order and gives a lock back when its owner goes away", async () => {
    const t = new LockTable();
    expect(await t.acquire("x", "t1", "w1", 0)).toBe(true);
    expect(await t.acquire("x", "t2", "w2", 0)).toBe(false);
    const second = t.acquire("x", "t2", "w2", 5000);
    const third = t.acquire("x", "t3", "w3", 5000);
    expect(t.release("x", "wrong token")).toBe(false);
    t.dropOwner("w1"); // w1 exited while holding it
    expect(await second).toBe(true);
    expect(t.holder("x")).toBe("w2");
    t.release("x", "t2");
    expect(await third).toBe(true);
  });

  it("times out a waiter", async () => {
    const t = new LockTable();
    await t.acquire("y", "a", "w1", 0);
    expect(await t.acquire("y", "b", "w2", 30)).toBe(false);
  });
});

describe("acquire (local)", () => {
  it("holds the lock until `await using` releases it, and says E_LOCK_TIMEOUT to a late comer", async () => {
    {
      await using lock = await acquire("report", { backend: "local" });
      expect(lock.held).toBe(true);
      await expect(acquire("report", { backend: "local", timeout: 20 })).rejects.toMatchObject({
        code: "E_LOCK_TIMEOUT",
      });
    }
    const again = await acquire("report", { backend: "local", timeout: 0 });
    await again.release();
    await again.release(); // twice is harmless
    expect(again.held).toBe(false);
  });

  it("refuses a bad name or timeout", async () => {
    await expect(acquire("", { backend: "local" })).rejects.toMatchObject({ code: "E_PUBSUB_ARGUMENT" });
    await expect(acquire("n", { backend: "local", timeout: -1 })).rejects.toMatchObject({ code: "E_PUBSUB_ARGUMENT" });
  });
});

const enabled = hasRedis();
describe.if(enabled)("acquire (redis)", () => {
  const redis = new RedisServer();
  beforeAll(() => redis.start());
  afterAll(async () => {
    await closeLockClients();
    await redis.stop();
  });

  it("excludes a second holder, and hands over on release", async () => {
    const first = await acquire("job", { url: redis.url });
    const waiting = acquire("job", { url: redis.url, timeout: 5000 });
    await Bun.sleep(50);
    await first.release();
    const second = await waiting;
    expect(second.backend).toBe("redis");
    await expect(acquire("job", { url: redis.url, timeout: 50 })).rejects.toMatchObject({ code: "E_LOCK_TIMEOUT" });
    await second.release();
  });

  it("lets a crashed holder's lock expire after its ttl", async () => {
    const raw = await RedisPubSub.connect(redis.url);
    try {
      // A holder that died without releasing: its token stays until the expiry.
      await raw.client.set("pulsar:lock:crashy", "dead-token", "PX", 300);
      const t0 = Date.now();
      const lock = await acquire("crashy", { url: redis.url, timeout: 3000 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
      expect(await raw.client.get("pulsar:lock:crashy")).toBe(lock.token);
      await lock.release();
      expect(await raw.client.get("pulsar:lock:crashy")).toBeNull();
    } finally {
      await raw.close();
    }
  });

  it("keeps a lock held past its ttl by renewing it", async () => {
    const lock = await acquire("long", { url: redis.url, ttl: 150 });
    await Bun.sleep(400);
    await expect(acquire("long", { url: redis.url, timeout: 0 })).rejects.toMatchObject({ code: "E_LOCK_TIMEOUT" });
    await lock.release();
  });
});
