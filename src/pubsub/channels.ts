/**
 * Channels, as in the original: namespaced events `{event, channel, data}`
 * over any pub/sub, with handlers registered by event pattern (`user.*`).
 * One pub/sub subscription per channel, whatever the number of handlers.
 */
import { PubSubArgumentError } from "../errors.ts";
import { matches } from "./glob.ts";
import type { PubSub, Subscription } from "./hub.ts";

/** What travels on a channel, and what a handler receives. */
export interface ChannelEvent<T = unknown> {
  event: string;
  channel: string;
  data: T;
}

export type EventHandler = (event: ChannelEvent) => unknown;

/**
 * @example
 * const channels = new Channels(await createPubSub(), { namespace: "app" });
 * await channels.register("users", "user.*", (e) => console.log(e.event, e.data));
 * await channels.publish("users", "user.created", { id: 1 });
 */
export class Channels {
  readonly namespace: string;
  readonly #handlers = new Map<string, { pattern: string; handler: EventHandler }[]>();
  readonly #subs = new Map<string, Promise<Subscription>>();

  constructor(
    readonly pubsub: PubSub,
    options: { namespace?: string } = {},
  ) {
    this.namespace = options.namespace ? `${options.namespace}.` : "";
  }

  /** Call `handler` for each event of `channel` whose name matches `eventPattern`. */
  async register(channel: string, eventPattern: string, handler: EventHandler): Promise<void> {
    checkName(channel, "channel");
    checkName(eventPattern, "event pattern");
    const list = this.#handlers.get(channel) ?? [];
    this.#handlers.set(channel, list);
    list.push({ pattern: eventPattern, handler });
    let sub = this.#subs.get(channel);
    if (!sub) {
      sub = this.pubsub.subscribe(this.namespace + channel, (raw) => this.#dispatch(channel, raw));
      this.#subs.set(channel, sub);
      sub.catch(() => this.#subs.delete(channel));
    }
    await sub;
  }

  /** Remove `handler` (or every handler of `eventPattern`); the last one gone unsubscribes. */
  async unregister(channel: string, eventPattern: string, handler?: EventHandler): Promise<void> {
    const list = (this.#handlers.get(channel) ?? []).filter(
      (h) => h.pattern !== eventPattern || (handler && h.handler !== handler),
    );
    if (list.length) {
      this.#handlers.set(channel, list);
      return;
    }
    this.#handlers.delete(channel);
    const sub = this.#subs.get(channel);
    this.#subs.delete(channel);
    await (await sub)?.unsubscribe();
  }

  /** Publish `event` with `data` on `channel`. */
  async publish(channel: string, event: string, data: unknown = null): Promise<void> {
    checkName(channel, "channel");
    checkName(event, "event");
    await this.pubsub.publish(this.namespace + channel, JSON.stringify({ event, channel, data }));
  }

  #dispatch(channel: string, raw: string): void {
    let msg: ChannelEvent;
    try {
      msg = JSON.parse(raw);
    } catch {
      return; // not one of ours (someone published raw text on the channel)
    }
    if (!msg || typeof msg.event !== "string") return;
    for (const { pattern, handler } of this.#handlers.get(channel) ?? [])
      if (pattern === msg.event || matches(pattern, msg.event)) handler({ event: msg.event, channel, data: msg.data });
  }
}

function checkName(value: unknown, what: string): void {
  if (typeof value !== "string" || !value)
    throw new PubSubArgumentError(`a ${what} must be a non-empty string, got ${JSON.stringify(value)}`);
}
