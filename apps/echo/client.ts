/**
 * Clients of the echo apps. `EchoClient` keeps a pool of TCP connections:
 * each carries one message at a time, `send` takes a free one (or opens one,
 * up to `pool`, or waits). `EchoUdpClient` sends a message as datagrams of at
 * most 60,000 bytes, each echoed before the next leaves (resent if lost).
 * @example
 * const client = new EchoClient("127.0.0.1:8060", { pool: 4 });
 * await client.send("Hello"); // "Hello"
 * await client.close();
 */
import type { Socket, udp } from "bun";
import { Connection, type ConnectionHost, newStats } from "../../src/net/connection.ts";
import type { Protocol } from "../../src/net/protocol.ts";
import { parseBind } from "../../src/server/bind.ts";
import { DELIMITER, endOfMessage, type Pending } from "./protocol.ts";

interface Waiting extends Pending {
  resolve?: (message: Buffer) => void;
  reject?: (err: Error) => void;
}

const reader: Protocol<Waiting> = {
  state: () => ({ chunks: [], size: 0 }),
  data(conn, chunk) {
    const st = conn.state;
    const end = endOfMessage(st, chunk, 0);
    if (end < 0) {
      st.chunks.push(chunk);
      st.size += chunk.byteLength;
      return;
    }
    const whole = Buffer.concat([...st.chunks, chunk.subarray(0, end)]);
    st.chunks = [];
    st.size = 0;
    const resolve = st.resolve;
    st.resolve = st.reject = undefined;
    resolve?.(whole.subarray(0, whole.byteLength - DELIMITER.byteLength));
  },
  close(conn, error) {
    conn.state.reject?.(new Error(`echo connection closed${error ? `: ${error.message}` : ""}`));
  },
};

/** Add the delimiter unless the message ends with it. */
function framed(message: string | Uint8Array): Buffer {
  const bytes = Buffer.from(message as Uint8Array);
  return bytes.subarray(-4).equals(DELIMITER) ? bytes : Buffer.concat([bytes, DELIMITER]);
}

/** A pooled TCP client of the `echo` app. */
export class EchoClient {
  readonly #hostname: string;
  readonly #port: number;
  readonly #pool: number;
  readonly #idle: Connection<Waiting>[] = [];
  readonly #all = new Set<Connection<Waiting>>();
  readonly #queue: ((c: Connection<Waiting>) => void)[] = [];
  #opening = 0;
  readonly #host: ConnectionHost = {
    stats: newStats(),
    highWater: 2 ** 20,
    clock: { now: 0 },
    onError: (conn) => conn.abort(),
  };

  constructor(address: string, options: { pool?: number } = {}) {
    const { hostname, port } = parseBind(address);
    this.#hostname = hostname === "0.0.0.0" ? "127.0.0.1" : hostname;
    this.#port = port;
    this.#pool = Math.max(1, options.pool ?? 10);
  }

  /** Connections open now. */
  get size(): number {
    return this.#all.size;
  }

  /** Send one message; resolves to its echo (without the delimiter). */
  async send(message: string | Uint8Array): Promise<Buffer> {
    const conn = await this.#acquire();
    try {
      const echoed = new Promise<Buffer>((resolve, reject) => Object.assign(conn.state, { resolve, reject }));
      conn.write(framed(message));
      return await echoed;
    } finally {
      this.#release(conn);
    }
  }

  /** Say QUIT on every connection and wait until the server has closed them. */
  async close(): Promise<void> {
    const all = [...this.#all];
    await Promise.all(
      all.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.state.reject = () => resolve();
            c.write("QUIT\r\n\r\n");
          }),
      ),
    );
  }

  async #acquire(): Promise<Connection<Waiting>> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size + this.#opening < this.#pool) {
      this.#opening++;
      try {
        return await this.#connect();
      } finally {
        this.#opening--;
      }
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  #release(conn: Connection<Waiting>): void {
    if (conn.closed) return;
    const next = this.#queue.shift();
    if (next) next(conn);
    else this.#idle.push(conn);
  }

  async #connect(): Promise<Connection<Waiting>> {
    const socket = await Bun.connect<Connection<Waiting>>({
      hostname: this.#hostname,
      port: this.#port,
      socket: {
        open: (s: Socket<Connection<Waiting>>) => {
          s.data = new Connection<Waiting>(s, this.#host, reader);
          this.#all.add(s.data);
          s.data._open();
        },
        data: (s, chunk) => s.data._data(chunk),
        drain: (s) => s.data._drain(),
        close: (s, err) => {
          this.#all.delete(s.data);
          const i = this.#idle.indexOf(s.data);
          if (i >= 0) this.#idle.splice(i, 1);
          s.data._close(err);
        },
        error: () => {},
      },
    });
    return socket.data;
  }
}

/** Largest payload per datagram: under the 65,507-byte UDP limit. */
export const DATAGRAM_MAX = 60_000;

/** A client of the `echoudp` app. */
export class EchoUdpClient {
  readonly #hostname: string;
  readonly #port: number;
  #socket: udp.Socket<"buffer"> | null = null;
  #waiting: ((d: Buffer) => void) | null = null;
  #busy: Promise<unknown> = Promise.resolve();

  constructor(address: string) {
    const { hostname, port } = parseBind(address);
    this.#hostname = hostname === "0.0.0.0" ? "127.0.0.1" : hostname;
    this.#port = port;
  }

  /** Send `message` (split into datagrams if large) and resolve to its echo. */
  send(message: string | Uint8Array, retries = 5): Promise<Buffer> {
    const run = this.#busy.then(() => this.#send(Buffer.from(message as Uint8Array), retries));
    this.#busy = run.catch(() => {});
    return run;
  }

  /** Say QUIT; resolves to the server's answer (`BYE\r\n\r\n`). */
  quit(): Promise<string> {
    return this.send("QUIT\r\n\r\n").then((b) => b.toString());
  }

  close(): void {
    this.#socket?.close();
  }

  async #send(bytes: Buffer, retries: number): Promise<Buffer> {
    this.#socket ??= await Bun.udpSocket({
      socket: { data: (_s, data) => this.#waiting?.(Buffer.from(data)) },
    });
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.byteLength || at === 0; at += DATAGRAM_MAX) {
      const piece = bytes.subarray(at, at + DATAGRAM_MAX);
      parts.push(await this.#roundTrip(piece, retries));
      if (bytes.byteLength === 0) break;
    }
    return Buffer.concat(parts);
  }

  /** One datagram out, its answer back; resent after 500 ms of silence. */
  async #roundTrip(piece: Buffer, retries: number): Promise<Buffer> {
    for (let attempt = 0; attempt <= retries; attempt++) {
      let timer: Timer | undefined;
      const answer = new Promise<Buffer | null>((resolve) => {
        this.#waiting = resolve;
        timer = setTimeout(() => resolve(null), 500);
      });
      this.#socket?.send(piece, this.#port, this.#hostname);
      const got = await answer;
      clearTimeout(timer);
      this.#waiting = null;
      if (got) return got;
    }
    throw new Error(`no answer from udp://${this.#hostname}:${this.#port} after ${retries + 1} tries`);
  }
}
