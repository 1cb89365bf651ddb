/**
 * Choosing a backend: `redis` when a data store URL is set (`--data-store`),
 * else `arbiter` inside a running arbiter's tree (a worker's pool may grow at
 * any time, so even one worker goes through the relay), else `local`.
 */
import { PubSubArgumentError } from "../errors.ts";
import { ArbiterPubSub } from "./arbiter.ts";
import type { Backend, PubSub } from "./hub.ts";
import { currentLink } from "./link.ts";
import { LocalPubSub } from "./local.ts";
import type { RedisPubSubOptions } from "./redis.ts";
import { dataStore } from "./store.ts";

export { dataStore, setDataStore } from "./store.ts";

import { currentRelay } from "./relay.ts";

export interface PubSubOptions extends RedisPubSubOptions {
  /** Force a backend; by default it follows the data store and where this code runs. */
  backend?: Backend;
  /** The data store URL (`redis://host:port/db`); by default the `data_store` setting. */
  url?: string;
}

/** The backend `createPubSub` picks for these options, here. */
export function pickBackend(options: PubSubOptions = {}): Backend {
  if (options.backend) return options.backend;
  if (options.url || dataStore()) return "redis";
  return currentLink() || currentRelay() ? "arbiter" : "local";
}

/**
 * A pub/sub on the backend the settings ask for.
 * @example
 * const ps = await createPubSub();                       // arbiter relay in a worker, local elsewhere
 * const rs = await createPubSub({ url: "redis://127.0.0.1:6379/0" });
 */
export async function createPubSub(options: PubSubOptions = {}): Promise<PubSub> {
  const backend = pickBackend(options);
  switch (backend) {
    case "local":
      return new LocalPubSub();
    case "arbiter":
      return new ArbiterPubSub();
    case "redis": {
      const url = options.url || dataStore();
      if (!url) throw new PubSubArgumentError("the redis backend needs a URL (--data-store redis://host:port/db)");
      // Loaded on demand: ioredis costs every process that does not use it boot time and memory.
      const { RedisPubSub } = await import("./redis.ts");
      return RedisPubSub.connect(url, options);
    }
    default:
      throw new PubSubArgumentError(`unknown pub/sub backend "${backend}"; expected local, arbiter or redis`);
  }
}

let shared: Promise<PubSub> | null = null;

/**
 * This process's shared pub/sub (created on first use from the settings).
 * @example await (await pubsub()).publish("news", "hello")
 */
export function pubsub(): Promise<PubSub> {
  shared ??= createPubSub().catch((err) => {
    shared = null;
    throw err;
  });
  return shared;
}
