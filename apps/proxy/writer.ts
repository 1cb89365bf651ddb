/**
 * Writing to a Bun socket with backpressure. `socket.write` writes what the
 * kernel takes and returns the count; it does not queue the rest. A Writer
 * keeps the rest, sends it on `drain`, and tells the producer when to wait.
 */
import type { Socket } from "bun";

// biome-ignore lint/suspicious/noExplicitAny: the writer ignores the socket's data
type AnySocket = Socket<any>;

const NON_ASCII = /[\x80-\uffff]/;

export class Writer {
  #queue: Uint8Array[] = [];
  #waiters: (() => void)[] = [];
  #closed = false;
  /** Called when the queue empties after it was not (resume a paused source). */
  onFlushed?: () => void;

  constructor(private readonly socket: AnySocket) {}

  /** Nothing waits to be written. */
  get idle(): boolean {
    return this.#queue.length === 0;
  }

  /**
   * Write `data`; returns false when part of it is queued (the producer should
   * pause until `onFlushed`, or await `flushed()`).
   */
  write(data: Uint8Array | string): boolean {
    if (this.#closed) return true;
    if (typeof data === "string" && this.#queue.length === 0 && !NON_ASCII.test(data)) {
      // The socket encodes a string as UTF-8, which is the same bytes for ASCII: no Buffer to make.
      const n = this.socket.write(data);
      if (n >= data.length) return true;
      this.#queue.push(Buffer.from(data.slice(Math.max(0, n)), "latin1"));
      return false;
    }
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    if (bytes.length === 0) return this.#queue.length === 0;
    if (this.#queue.length > 0) {
      this.#queue.push(bytes);
      return false;
    }
    const n = this.socket.write(bytes);
    if (n >= bytes.length) return true;
    this.#queue.push(bytes.subarray(Math.max(0, n)));
    return false;
  }

  /** Resolves when everything written so far has reached the kernel. */
  flushed(): Promise<void> {
    if (this.#queue.length === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The socket's `drain` handler must call this. */
  drain(): void {
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Uint8Array;
      const n = this.socket.write(head);
      if (n < head.length) {
        this.#queue[0] = head.subarray(Math.max(0, n));
        return;
      }
      this.#queue.shift();
    }
    this.#release();
    this.onFlushed?.();
  }

  /** The socket closed: drop what is queued and release every waiter. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#release();
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
