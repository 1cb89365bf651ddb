/**
 * What a socket server speaks: a small object of callbacks, sync or async,
 * each given the connection (and its per-connection `state`). It is the
 * original's protocol plus its `connection_made`/`connection_lost` hooks.
 */
import type { Connection } from "./connection.ts";

/**
 * A TCP protocol. `data` is required; the rest are optional. When a callback
 * returns a promise, later chunks of that connection wait until it settles,
 * so handlers see the bytes in order.
 * @example
 * const echo: Protocol = { data: (conn, chunk) => conn.write(chunk) };
 * new SocketServer(echo, { name: "echo" }).start();
 */
export interface Protocol<S = unknown> {
  /** Make the per-connection state, once, before `open` (`connection_made`). */
  state?(conn: Connection<S>): S;
  /** A client connected (`connection_made`). */
  open?(conn: Connection<S>): unknown;
  /** Bytes arrived. */
  data(conn: Connection<S>, chunk: Uint8Array): unknown;
  /** The queue of written bytes emptied: write more now. */
  drain?(conn: Connection<S>): unknown;
  /** The connection is gone (`connection_lost`), with the error if it broke. */
  close?(conn: Connection<S>, error?: Error): unknown;
}

/** One datagram and how to answer it. */
export interface Datagram {
  data: Uint8Array;
  address: string;
  port: number;
  /** Send `data` back to the datagram's sender; false when it was dropped (buffer full). */
  reply(data: string | Uint8Array): boolean;
}

/**
 * A UDP protocol: one callback per datagram, with per-peer `state` kept
 * while the peer is active (it is forgotten after `keep_alive` seconds idle).
 * @example
 * const echo: DatagramProtocol = { datagram: (d) => d.reply(d.data) };
 * new UdpSocketServer(echo, { name: "echoudp" }).start();
 */
export interface DatagramProtocol<S = unknown> {
  /** Make the state of a peer seen for the first time (or again after it idled out). */
  state?(peer: { address: string; port: number }): S;
  datagram(d: Datagram, state: S): unknown;
}
