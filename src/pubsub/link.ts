/**
 * A worker's side of the arbiter relay: one per process (or thread), shared by
 * every `arbiter` pub/sub instance in it. It counts who listens to what, so the
 * arbiter hears of a key once, and hands each delivery to every instance.
 */
import type { Mailbox } from "../ipc/mailbox.ts";
import type { DeliverMessage } from "../ipc/protocol.ts";

/** What an instance that receives through the link implements. */
export interface LinkListener {
  deliver(channel: string, keys: readonly string[], message: string): void;
}

export class ArbiterLink {
  readonly #counts = new Map<string, number>();
  readonly listeners = new Set<LinkListener>();

  constructor(readonly mailbox: Mailbox) {}

  async listen(keys: string[]): Promise<void> {
    const fresh = keys.filter((k) => {
      const n = this.#counts.get(k) ?? 0;
      this.#counts.set(k, n + 1);
      return n === 0;
    });
    if (fresh.length)
      await this.mailbox.call((id) => ({ t: "sub", id, keys: fresh }), { to: "arbiter", cmd: "subscribe" });
  }

  async unlisten(keys: string[]): Promise<void> {
    const gone = keys.filter((k) => {
      const n = (this.#counts.get(k) ?? 0) - 1;
      if (n > 0) this.#counts.set(k, n);
      else this.#counts.delete(k);
      return n === 0;
    });
    if (gone.length)
      await this.mailbox.call((id) => ({ t: "unsub", id, keys: gone }), { to: "arbiter", cmd: "unsubscribe" });
  }

  publish(channel: string, message: string): void {
    this.mailbox.post({ t: "pub", channel, message });
  }

  /** A delivery from the arbiter. */
  receive(msg: DeliverMessage): void {
    for (const l of this.listeners) l.deliver(msg.channel, msg.keys, msg.message);
  }

  get closed(): boolean {
    return this.mailbox.port.closed;
  }
}

let current: ArbiterLink | null = null;

/** This worker's link to the arbiter, if it runs as a process or thread worker. */
export function currentLink(): ArbiterLink | null {
  return current;
}

/** Set by the worker runtime once its mailbox exists. */
export function setLink(link: ArbiterLink | null): void {
  current = link;
}
