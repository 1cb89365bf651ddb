/**
 * The arbiter's relay: the `arbiter` backend's hub. Workers say which channels
 * and patterns they listen to; a publish from any worker (or from the arbiter
 * itself) goes to each listening worker once, with every key of its that
 * matched, the publisher's own worker included. A worker that exits is
 * forgotten on its channel's close event.
 */
import type { Port } from "../ipc/port.ts";
import type { PubSubMessage } from "../ipc/protocol.ts";
import { globToRegExp, isPattern } from "./glob.ts";

/** Where the relay delivers: a worker's port, or an instance in the arbiter's process. */
export interface Sink {
  readonly id: string;
  deliver(channel: string, keys: string[], message: string): void;
}

export class Relay {
  readonly #exact = new Map<string, Set<Sink>>();
  readonly #patterns = new Map<string, { re: RegExp; sinks: Set<Sink> }>();
  readonly #bySink = new Map<Sink, Set<string>>();
  readonly #ports = new Map<string, Sink>();
  /** Messages relayed, for `info` and the tests. */
  published = 0;

  subscribe(sink: Sink, keys: string[]): void {
    const mine = this.#bySink.get(sink) ?? new Set<string>();
    this.#bySink.set(sink, mine);
    for (const key of keys) {
      mine.add(key);
      if (isPattern(key)) {
        const p = this.#patterns.get(key) ?? { re: globToRegExp(key), sinks: new Set<Sink>() };
        this.#patterns.set(key, p);
        p.sinks.add(sink);
      } else {
        const s = this.#exact.get(key) ?? new Set<Sink>();
        this.#exact.set(key, s);
        s.add(sink);
      }
    }
  }

  unsubscribe(sink: Sink, keys: string[]): void {
    const mine = this.#bySink.get(sink);
    for (const key of keys) {
      mine?.delete(key);
      if (isPattern(key)) {
        const p = this.#patterns.get(key);
        p?.sinks.delete(sink);
        if (p && !p.sinks.size) this.#patterns.delete(key);
      } else {
        const s = this.#exact.get(key);
        s?.delete(sink);
        if (s && !s.size) this.#exact.delete(key);
      }
    }
    if (mine && !mine.size) this.#bySink.delete(sink);
  }

  /** Forget every subscription of `sink` (its worker exited). */
  drop(sink: Sink): void {
    const mine = this.#bySink.get(sink);
    if (mine) this.unsubscribe(sink, [...mine]);
  }

  /** Send `message` to every sink listening to `channel`, once each; returns how many. */
  publish(channel: string, message: string): number {
    this.published++;
    const exact = this.#exact.get(channel);
    if (!this.#patterns.size) {
      // The common case (no pattern subscriptions): one key per sink, no grouping.
      if (!exact) return 0;
      const keys = [channel];
      for (const sink of exact) sink.deliver(channel, keys, message);
      return exact.size;
    }
    const bySink = new Map<Sink, string[]>();
    if (exact) for (const sink of exact) bySink.set(sink, [channel]);
    for (const [key, { re, sinks }] of this.#patterns) {
      if (!re.test(channel)) continue;
      for (const sink of sinks) {
        const keys = bySink.get(sink);
        if (keys) keys.push(key);
        else bySink.set(sink, [key]);
      }
    }
    for (const [sink, keys] of bySink) sink.deliver(channel, keys, message);
    return bySink.size;
  }

  /** Handle a pub/sub message from the worker `aid` on `port`. */
  handle(msg: PubSubMessage, aid: string, port: Port): void {
    switch (msg.t) {
      case "pub":
        this.publish(msg.channel, msg.message);
        return;
      case "sub":
        this.subscribe(this.#sinkOf(aid, port), msg.keys);
        port.send({ t: "res", id: msg.id, result: null });
        return;
      case "unsub":
        this.unsubscribe(this.#sinkOf(aid, port), msg.keys);
        port.send({ t: "res", id: msg.id, result: null });
        return;
      default:
        return; // "msg" only travels towards workers
    }
  }

  /** The number of sinks (workers and local instances) that listen to something. */
  get listeners(): number {
    return this.#bySink.size;
  }

  #sinkOf(aid: string, port: Port): Sink {
    let sink = this.#ports.get(aid);
    if (!sink) {
      const s: Sink = {
        id: aid,
        deliver: (channel, keys, message) => port.send({ t: "msg", channel, keys, message }),
      };
      this.#ports.set(aid, s);
      port.onClose(() => {
        this.drop(s);
        this.#ports.delete(aid);
      });
      sink = s;
    }
    return sink;
  }
}

let current: Relay | null = null;

/** The relay of this process, when it is the arbiter's. */
export function currentRelay(): Relay | null {
  return current;
}

/** Set by the arbiter at boot (and cleared when it stops). */
export function setRelay(relay: Relay | null): void {
  current = relay;
}
