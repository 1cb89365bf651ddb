/**
 * The part every backend shares: the handlers of this instance, by channel or
 * pattern. A backend only says when it starts or stops listening to a key,
 * how to publish, and hands what arrives to `deliver` with the keys it
 * matched, so each subscription gets each message once.
 */
import { PubSubArgumentError } from "../errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { isPattern } from "./glob.ts";

/** Receives each message of a channel (or of every channel a pattern matches). */
export type MessageHandler = (message: string, channel: string) => unknown;

/** What `subscribe` returns: undo it. */
export interface Subscription {
  readonly channel: string;
  unsubscribe(): Promise<void>;
}

/** The backends: one process, relayed by the arbiter, or a Redis shared by machines. */
export type Backend = "local" | "arbiter" | "redis";

/**
 * Publish/subscribe, whatever the backend.
 * @example
 * const ps = await createPubSub();
 * await ps.subscribe("chat.*", (msg, channel) => console.log(channel, msg));
 * await ps.publish("chat.lobby", "hello");
 */
export interface PubSub {
  readonly backend: Backend;
  /** Send `message` (a string; anything else is sent as its JSON) to every subscriber of `channel`. */
  publish(channel: string, message: unknown): Promise<void>;
  /** Call `handler` for each message on `channel`, or on every channel the pattern (`chat.*`) matches. */
  subscribe(channel: string, handler: MessageHandler): Promise<Subscription>;
  /** Remove `handler` from `channel` (every handler of it when none is given). */
  unsubscribe(channel: string, handler?: MessageHandler): Promise<void>;
  /** The channels and patterns this instance listens to. */
  channels(): string[];
  /** Stop listening and release the connections. */
  close(): Promise<void>;
}

export abstract class Hub implements PubSub {
  abstract readonly backend: Backend;
  protected readonly log: Logger;
  readonly #subs = new Map<string, Set<MessageHandler>>();
  /** Keys whose listen is under way, so a second subscriber waits for the same one. */
  readonly #listening = new Map<string, Promise<void>>();
  protected closed = false;

  constructor(tag = "pubsub") {
    this.log = createLogger(tag);
  }

  /** The transport starts listening to these keys (channels or patterns). */
  protected abstract listen(keys: string[]): Promise<void>;
  /** The transport stops listening to these keys. */
  protected abstract unlisten(keys: string[]): Promise<void>;
  /** The transport sends the message to every subscriber, this instance's included. */
  protected abstract send(channel: string, message: string): Promise<void> | void;
  /** The transport releases what it holds. */
  protected abstract shutdown(): Promise<void>;

  async publish(channel: string, message: unknown): Promise<void> {
    checkChannel(channel, "publish");
    if (this.closed) throw new PubSubArgumentError(`cannot publish on "${channel}": this pub/sub is closed`);
    await this.send(channel, encode(message));
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Subscription> {
    checkChannel(channel, "subscribe");
    if (typeof handler !== "function")
      throw new PubSubArgumentError(`subscribe("${channel}") needs a handler function`);
    if (this.closed) throw new PubSubArgumentError(`cannot subscribe to "${channel}": this pub/sub is closed`);
    let set = this.#subs.get(channel);
    if (!set) {
      set = new Set();
      this.#subs.set(channel, set);
      set.add(handler);
      const p = this.listen([channel]).finally(() => this.#listening.delete(channel));
      this.#listening.set(channel, p);
      try {
        await p;
      } catch (err) {
        set.delete(handler);
        if (!set.size) this.#subs.delete(channel);
        throw err;
      }
    } else {
      set.add(handler);
      await this.#listening.get(channel);
    }
    return { channel, unsubscribe: () => this.unsubscribe(channel, handler) };
  }

  async unsubscribe(channel: string, handler?: MessageHandler): Promise<void> {
    const set = this.#subs.get(channel);
    if (!set) return;
    if (handler) set.delete(handler);
    else set.clear();
    if (set.size) return;
    this.#subs.delete(channel);
    if (!this.closed) await this.unlisten([channel]);
  }

  channels(): string[] {
    return [...this.#subs.keys()];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const keys = this.channels();
    this.#subs.clear();
    if (keys.length) await this.unlisten(keys).catch(() => {});
    this.closed = true;
    await this.shutdown();
  }

  /** A message arrived for `keys` (the subscriptions of ours it matched): call their handlers once each. */
  deliver(channel: string, keys: readonly string[], message: string): void {
    for (const key of keys) {
      const set = this.#subs.get(key);
      if (!set) continue;
      for (const handler of set) {
        try {
          const r = handler(message, channel);
          if (r instanceof Promise) r.catch((err) => this.#failed(key, err));
        } catch (err) {
          this.#failed(key, err);
        }
      }
    }
  }

  #failed(key: string, err: unknown): void {
    this.log.error(`a handler of "${key}" failed: ${(err as Error)?.stack ?? err}`);
  }
}

/** Messages travel as strings (as in Redis); anything else goes as its JSON. */
export function encode(message: unknown): string {
  if (typeof message === "string") return message;
  if (message === undefined) throw new PubSubArgumentError("publish needs a message (a string or a JSON value)");
  return JSON.stringify(message);
}

export function checkChannel(channel: unknown, what: string): asserts channel is string {
  if (typeof channel !== "string" || channel.length === 0)
    throw new PubSubArgumentError(`${what} needs a channel name (a non-empty string), got ${JSON.stringify(channel)}`);
}

export { isPattern };
