/**
 * The `local` backend: every instance in this process (or thread) shares one
 * bus. Delivery happens on a later microtask, never inside `publish`, as it
 * does on the other backends.
 */
import { isPattern, matches } from "./glob.ts";
import { Hub } from "./hub.ts";

const bus = new Set<LocalPubSub>();

/**
 * Pub/sub inside one process.
 * @example
 * const ps = new LocalPubSub();
 * await ps.subscribe("news", (m) => console.log(m));
 * await ps.publish("news", "hello");
 */
export class LocalPubSub extends Hub {
  readonly backend = "local" as const;
  readonly #keys = new Set<string>();

  constructor() {
    super("pubsub:local");
    bus.add(this);
  }

  protected async listen(keys: string[]): Promise<void> {
    for (const k of keys) this.#keys.add(k);
  }

  protected async unlisten(keys: string[]): Promise<void> {
    for (const k of keys) this.#keys.delete(k);
  }

  protected send(channel: string, message: string): void {
    const targets: [LocalPubSub, string[]][] = [];
    for (const ps of bus) {
      const keys = ps.matching(channel);
      if (keys.length) targets.push([ps, keys]);
    }
    if (targets.length)
      queueMicrotask(() => {
        for (const [ps, keys] of targets) ps.deliver(channel, keys, message);
      });
  }

  /** The keys of this instance that `channel` matches. */
  matching(channel: string): string[] {
    const out: string[] = [];
    for (const k of this.#keys) if (k === channel || (isPattern(k) && matches(k, channel))) out.push(k);
    return out;
  }

  protected async shutdown(): Promise<void> {
    bus.delete(this);
  }
}
