/**
 * One websocket connection as a handler sees it: send with a bounded buffer,
 * topics, close. A client that reads slower than we write would grow the send
 * buffer without bound; past `maxBuffered` bytes it is closed with 1008.
 */
import type { ServerWebSocket } from "bun";
import type { Logger } from "../log/logger.ts";

/** Close codes this module uses (RFC 6455 §7.4.1). */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED: 1003,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
} as const;

/** What the route knows that each of its sockets needs. */
export interface SocketHost {
  maxBuffered: number;
  log: Logger;
  joined(socket: WsSocket, topic: string): void;
  left(socket: WsSocket, topic: string): void;
}

/**
 * @example
 * onMessage(ws, text) { ws.send(`echo: ${text}`); ws.subscribe("room"); }
 */
export class WsSocket<T = unknown> {
  /** When the client last sent anything (a message, a ping, a pong), in ms since the epoch. */
  lastSeen = Date.now();
  lastPing = Date.now();
  /** The handler chain: messages are handled in order even when a handler is async. */
  chain: Promise<unknown> | null = null;
  readonly topics = new Set<string>();
  #closing = false;

  constructor(
    readonly raw: ServerWebSocket<unknown>,
    /** What the route's `data(req)` returned for this connection. */
    readonly data: T,
    readonly remoteAddress: string,
    private readonly host: SocketHost,
  ) {}

  /** Send a text or binary message; false if the socket is closing or was closed for being too slow. */
  send(message: string | Uint8Array): boolean {
    if (this.#closing) return false;
    const r = this.raw.send(message);
    if (r > 0) return true;
    // -1: queued under backpressure; 0: dropped (Bun's own limit). Either way, check our bound.
    if (r === 0 || this.raw.getBufferedAmount() > this.host.maxBuffered) {
      this.overflow();
      return false;
    }
    return true;
  }

  /** Is the send buffer past its bound? */
  get overLimit(): boolean {
    return this.raw.getBufferedAmount() > this.host.maxBuffered;
  }

  /** Bytes waiting to be written to this client. */
  get buffered(): number {
    return this.raw.getBufferedAmount();
  }

  /** The client does not keep up: close it with 1008 and say so in the log. */
  overflow(): void {
    if (this.#closing) return;
    this.host.log.warn(
      `closing a slow websocket client ${this.remoteAddress}: ${this.raw.getBufferedAmount()} bytes waiting, over the ${this.host.maxBuffered}-byte send buffer`,
    );
    this.close(CLOSE.POLICY, "send buffer full: client too slow");
  }

  /** Join a topic: `WebSockets.publish(topic, …)` (or a bound channel) reaches this socket. */
  subscribe(topic: string): void {
    if (this.topics.has(topic) || this.#closing) return;
    this.topics.add(topic);
    this.raw.subscribe(topic);
    this.host.joined(this, topic);
  }

  unsubscribe(topic: string): void {
    if (!this.topics.delete(topic)) return;
    this.raw.unsubscribe(topic);
    this.host.left(this, topic);
  }

  ping(data?: string | Uint8Array): void {
    this.lastPing = Date.now();
    if (!this.#closing) this.raw.ping(data);
  }

  close(code: number = CLOSE.NORMAL, reason = ""): void {
    if (this.#closing) return;
    this.#closing = true;
    this.raw.close(code, reason);
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Called once the connection is gone. */
  closed(): void {
    this.#closing = true;
    for (const t of this.topics) this.host.left(this, t);
    this.topics.clear();
  }
}
