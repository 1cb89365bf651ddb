/** The redis backend against a real redis-server on a free port: the suite, then outages. */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { closeLockClients } from "../../src/pubsub/lock.ts";
import { checkRedisUrl, RedisPubSub } from "../../src/pubsub/redis.ts";
import { until } from "../helpers/proc.ts";
import { RedisServer } from "../helpers/redis.ts";
import { hasRedis } from "../helpers/tools.ts";
import { pubsubSuite } from "./suite.ts";

const enabled = hasRedis();
const redis = new RedisServer();
if (enabled) {
  beforeAll(() => redis.start());
  afterAll(async () => {
    await closeLockClients();
    await redis.stop();
  });
  pubsubSuite("redis", async () => {
    const a = await RedisPubSub.connect(redis.url);
    const b = await RedisPubSub.connect(redis.url);
    return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
}

describe.if(enabled)("redis outages", () => {
  it("fails fast with E_PUBSUB_UNAVAILABLE while redis is down, then reconnects and resubscribes", async () => {
    const a = await RedisPubSub.connect(redis.url);
    const b = await RedisPubSub.connect(redis.url);
    try {
      const got: string[] = [];
      await b.subscribe("live", (m) => {
        got.push(m);
      });
      await b.subscribe("live.*", (m) => {
        got.push(`p:${m}`);
      });
      await a.publish("live", "before");
      await until(() => got.includes("before"), 5000, "before");

      await redis.stop();
      await until(() => a.client.status !== "ready", 5000, "the client to notice");
      const t0 = performance.now();
      const err = await a.publish("live", "while down").catch((e) => e);
      expect(err).toMatchObject({ code: "E_PUBSUB_UNAVAILABLE" });
      expect(String(err.message)).toContain(`127.0.0.1:${redis.port}`);
      expect(performance.now() - t0).toBeLessThan(100); // fails at once, queues nothing

      await redis.start();
      // Both ends reconnect by themselves; b's subscriptions (a channel and a pattern) come back.
      await until(
        async () => {
          await a.publish("live", "after").catch(() => {});
          await a.publish("live.x", "after").catch(() => {});
          return got.includes("after") && got.includes("p:after");
        },
        15_000,
        "delivery after the restart",
      );
      expect(got).not.toContain("while down");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("refuses a redis that does not answer, and bad URLs, with coded errors", async () => {
    const dead = `redis://127.0.0.1:${redis.port + 1}/0`;
    await expect(RedisPubSub.connect(dead, { connectTimeout: 300 })).rejects.toMatchObject({
      code: "E_PUBSUB_UNAVAILABLE",
    });
    expect(() => checkRedisUrl("http://x")).toThrow(/redis:\/\//);
    expect(() => checkRedisUrl("nonsense")).toThrow(/not a URL/);
    expect(() => checkRedisUrl("redis://h:1/abc")).toThrow(/database "abc"/);
  });
});
