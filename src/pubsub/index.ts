/** Pub/sub: one interface, three backends (local, arbiter, redis), channels of events and named locks. */
export { ArbiterPubSub } from "./arbiter.ts";
export { type ChannelEvent, Channels, type EventHandler } from "./channels.ts";
export { createPubSub, dataStore, type PubSubOptions, pubsub } from "./create.ts";
export { isPattern, matches } from "./glob.ts";
export type { Backend, MessageHandler, PubSub, Subscription } from "./hub.ts";
export { LocalPubSub } from "./local.ts";
export { acquire, Lock, type LockOptions } from "./lock.ts";
// A type only: ioredis loads when a process first uses Redis (createPubSub with a redis:// URL).
export type { RedisPubSub } from "./redis.ts";
