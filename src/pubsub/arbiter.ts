/**
 * The `arbiter` backend, the embedded default: messages go through the
 * arbiter over IPC (see relay.ts), so several workers share channels with no
 * service to run. In a worker it talks through the process's link; in the
 * arbiter's own process (inline workers, arbiter code) it joins the relay directly.
 */
import { NotRunningError, PubSubUnavailableError } from "../errors.ts";
import { Hub } from "./hub.ts";
import { type ArbiterLink, currentLink } from "./link.ts";
import { currentRelay, type Relay, type Sink } from "./relay.ts";

let nextId = 0;

/**
 * Pub/sub relayed by the arbiter: a message published on any worker reaches
 * each subscriber once, on every worker (the publisher's included).
 * @example
 * const ps = new ArbiterPubSub();
 * await ps.subscribe("chat", (m) => console.log(m));
 */
export class ArbiterPubSub extends Hub implements Sink {
  readonly backend = "arbiter" as const;
  readonly id = `pubsub-${++nextId}`;
  readonly #link: ArbiterLink | null;
  readonly #relay: Relay | null;

  /** Through `link` (a worker), or `relay` (the arbiter's process); by default whichever this process has. */
  constructor(via: { link?: ArbiterLink; relay?: Relay } = {}) {
    super("pubsub:arbiter");
    this.#link = via.link ?? (via.relay ? null : currentLink());
    this.#relay = this.#link ? null : (via.relay ?? currentRelay());
    if (!this.#link && !this.#relay)
      throw new NotRunningError("the arbiter pub/sub backend needs a running arbiter (or use the local backend)");
    this.#link?.listeners.add(this);
  }

  protected async listen(keys: string[]): Promise<void> {
    if (this.#link) await this.#link.listen(keys);
    else this.#relay?.subscribe(this, keys);
  }

  protected async unlisten(keys: string[]): Promise<void> {
    if (this.#link) await this.#link.unlisten(keys);
    else this.#relay?.unsubscribe(this, keys);
  }

  protected send(channel: string, message: string): void {
    if (this.#link) {
      if (this.#link.closed)
        throw new PubSubUnavailableError(`cannot publish on "${channel}": the channel to the arbiter is closed`);
      this.#link.publish(channel, message);
    } else this.#relay?.publish(channel, message);
  }

  protected async shutdown(): Promise<void> {
    this.#link?.listeners.delete(this);
    this.#relay?.drop(this);
  }

  /** From the relay (in the arbiter's process) or the link: later, never inside publish. */
  override deliver(channel: string, keys: readonly string[], message: string): void {
    if (this.#relay) queueMicrotask(() => super.deliver(channel, keys, message));
    else super.deliver(channel, keys, message);
  }
}
