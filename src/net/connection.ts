/**
 * One TCP connection as a protocol sees it: `write` that never loses bytes
 * and never lets a slow reader grow memory without bound, `close` after the
 * queued bytes are sent, per-connection `state`, and byte counters.
 *
 * Backpressure: `socket.write` may take only part of a buffer. The rest is
 * queued and sent on `drain`. While more than `highWater` bytes wait, the
 * connection stops reading from its socket (so a client that sends but never
 * reads fills its own kernel buffers, not our heap), and async `data`
 * handlers are serialized the same way: reading pauses until one settles.
 */
import type { Socket } from "bun";
import type { Protocol } from "./protocol.ts";

/** Server-wide figures for `info`: open connections and bytes in and out. */
export interface NetStats {
  connections: number;
  total: number;
  bytes_in: number;
  bytes_out: number;
}

export function newStats(): NetStats {
  return { connections: 0, total: 0, bytes_in: 0, bytes_out: 0 };
}

/** What a Connection needs from its server. */
export interface ConnectionHost {
  stats: NetStats;
  /** Bytes queued per connection before it stops reading. */
  highWater: number;
  /** A clock the server ticks coarsely: reading it per chunk costs nothing. */
  clock: { now: number };
  onError(conn: Connection, err: unknown): void;
}

let nextId = 0;

/**
 * A client connection handed to every protocol callback.
 * @example
 * const upper: Protocol = { data: (conn, chunk) => conn.write(chunk.toString().toUpperCase()) };
 */
export class Connection<S = unknown> {
  /** Unique within the worker. */
  readonly id = ++nextId;
  /** Per-connection state, from `protocol.state(conn)` (or `{}`). */
  state: S;
  bytesIn = 0;
  bytesOut = 0;
  /** When bytes last moved, on the server's coarse clock (for the idle timeout). */
  lastActive = 0;
  readonly #socket: Socket<Connection<S>>;
  readonly #host: ConnectionHost;
  readonly #protocol: Protocol<S>;
  /** Bytes accepted by `write` that the socket has not taken yet. */
  #queue: Uint8Array[] = [];
  #queued = 0;
  /** Chunks that arrived while an async `data` ran. */
  #inbox: Uint8Array[] = [];
  #busy = false;
  #paused = false;
  #ending = false;
  #closed = false;
  #drainWaiters: (() => void)[] = [];

  constructor(socket: Socket<Connection<S>>, host: ConnectionHost, protocol: Protocol<S>) {
    this.#socket = socket;
    this.#host = host;
    this.#protocol = protocol;
    this.state = (protocol.state ? protocol.state(this) : {}) as S;
  }

  /** The peer's address. */
  get remoteAddress(): string {
    return this.#socket.remoteAddress;
  }

  /** Bytes written but not yet taken by the socket. */
  get buffered(): number {
    return this.#queued;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Send `data` (kept by reference until sent: do not modify it). Returns true when the socket took all of it; false when part
   * waits in the queue (await `drained()` before writing much more).
   */
  write(data: string | Uint8Array): boolean {
    if (this.#closed || this.#ending) return false;
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    if (bytes.byteLength === 0) return true;
    if (this.#queued === 0) {
      const n = Math.max(0, this.#socket.write(bytes));
      this.#sent(n);
      if (n === bytes.byteLength) return true;
      this.#enqueue(bytes.subarray(n));
    } else this.#enqueue(bytes);
    return false;
  }

  /** Resolves once the queue is empty (at once if it is). */
  drained(): Promise<void> {
    if (this.#queued === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Close after the queued bytes are sent (optionally writing `data` first). */
  close(data?: string | Uint8Array): void {
    if (this.#closed || this.#ending) return;
    if (data !== undefined) this.write(data);
    this.#ending = true;
    if (this.#queued === 0) this.#socket.end();
  }

  /** Close now, dropping what is queued. */
  abort(): void {
    if (this.#closed) return;
    this.#socket.terminate();
  }

  // ---- called by the server's socket handlers ----

  /** @internal */
  _open(): void {
    const s = this.#host.stats;
    s.connections++;
    s.total++;
    this.lastActive = this.#host.clock.now;
    this.#run(() => this.#protocol.open?.(this));
  }

  /** @internal */
  _data(chunk: Uint8Array): void {
    this.bytesIn += chunk.byteLength;
    this.#host.stats.bytes_in += chunk.byteLength;
    this.lastActive = this.#host.clock.now;
    if (this.#busy) {
      // An async handler is still running: keep the order, and stop reading.
      this.#inbox.push(chunk);
      this.#pause();
      return;
    }
    this.#run(() => this.#protocol.data(this, chunk));
  }

  /** @internal */
  _drain(): void {
    this.lastActive = this.#host.clock.now;
    while (this.#queue.length) {
      const head = this.#queue[0] as Uint8Array;
      const n = Math.max(0, this.#socket.write(head));
      this.#sent(n);
      this.#queued -= n;
      if (n < head.byteLength) {
        this.#queue[0] = head.subarray(n);
        return;
      }
      this.#queue.shift();
    }
    if (this.#ending) {
      this.#socket.end();
      return;
    }
    this.#resumeIfIdle();
    for (const w of this.#drainWaiters.splice(0)) w();
    this.#run(() => this.#protocol.drain?.(this));
  }

  /** @internal */
  _close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.stats.connections--;
    this.#queue = [];
    this.#queued = 0;
    this.#inbox = [];
    for (const w of this.#drainWaiters.splice(0)) w();
    try {
      const r = this.#protocol.close?.(this, error);
      if (r instanceof Promise) r.catch((err) => this.#host.onError(this, err));
    } catch (err) {
      this.#host.onError(this, err);
    }
  }

  // ---- internals ----

  #sent(n: number): void {
    this.bytesOut += n;
    this.#host.stats.bytes_out += n;
  }

  #enqueue(bytes: Uint8Array): void {
    // Not copied (as in Node): a caller must not change a buffer it has written.
    this.#queue.push(bytes);
    this.#queued += bytes.byteLength;
    if (this.#queued > this.#host.highWater) this.#pause();
  }

  #pause(): void {
    if (this.#paused || this.#closed) return;
    this.#paused = true;
    this.#socket.pause();
  }

  #resumeIfIdle(): void {
    if (!this.#paused || this.#busy || this.#closed || this.#queued > this.#host.highWater) return;
    this.#paused = false;
    this.#socket.resume();
  }

  /** Run a protocol callback; if it returns a promise, hold later chunks until it settles. */
  #run(fn: () => unknown): void {
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      this.#host.onError(this, err);
      return;
    }
    if (!(result instanceof Promise)) return;
    this.#busy = true;
    result.then(
      () => this.#settled(),
      (err) => {
        this.#host.onError(this, err);
        this.#settled();
      },
    );
  }

  #settled(): void {
    this.#busy = false;
    // Chunks held while an async handler ran, in order, until one returns a promise again.
    for (let chunk = this.#inbox.shift(); chunk && !this.#closed; chunk = this.#inbox.shift()) {
      const c = chunk;
      this.#run(() => this.#protocol.data(this, c));
      if (this.#busy) return;
    }
    this.#resumeIfIdle();
  }
}
