/**
 * A Port is one end of a message channel: `post` sends, `receive` is fed by
 * the underlying mechanism (Bun's process ipc, a Worker's postMessage, or a
 * direct call for inline actors). One abstraction, so that the mailbox and the
 * worker runtime are the same code for every concurrency mode.
 */
import type { Message } from "./protocol.ts";

export class Port {
  #listener: ((msg: Message) => void) | null = null;
  #closeListeners: (() => void)[] = [];
  #queue: Message[] = [];
  closed = false;

  constructor(private readonly post: (msg: Message) => void) {}

  /** Send a message to the other end; silently dropped once closed. */
  send(msg: Message): void {
    if (this.closed) return;
    try {
      this.post(msg);
    } catch {
      // The channel broke under us (the peer died): the exit event reports it.
      this.markClosed();
    }
  }

  /** Fed by the transport; queues until a listener is set so no early message is lost. */
  receive(msg: Message): void {
    if (this.#listener) this.#listener(msg);
    else this.#queue.push(msg);
  }

  onMessage(listener: (msg: Message) => void): void {
    this.#listener = listener;
    const queued = this.#queue;
    this.#queue = [];
    for (const msg of queued) listener(msg);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.#closeListeners.push(listener);
  }

  /** The channel is gone (the peer exited or disconnected). */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.#closeListeners.splice(0)) l();
  }
}

/** Two ports wired to each other in one process: the inline actor's channel. */
export function portPair(): [Port, Port] {
  let b: Port | null = null;
  const a = new Port((msg) => queueMicrotask(() => b?.receive(msg)));
  b = new Port((msg) => queueMicrotask(() => a.receive(msg)));
  return [a, b];
}
