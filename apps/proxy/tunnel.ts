/**
 * Byte tunnels: CONNECT, and websocket upgrades (after the handshake head is
 * forwarded, a websocket is just bytes both ways). Each direction writes
 * through a Writer; when the far side is slow the near side is paused, so a
 * tunnel holds at most a socket buffer's worth of data. A tunnel idle for
 * `idleSeconds` in both directions for
 * between one and two `idleSeconds` periods is closed.
 */
import type { Socket } from "bun";
import { dial } from "./dial.ts";
import { Writer } from "./writer.ts";

/** The client side of a tunnel, as the connection exposes it. */
export interface ClientSide {
  socket: Socket<unknown>;
  writer: Writer;
  /** The tunnel ended: close the client. */
  close(): void;
}

interface UpData {
  tunnel?: Tunnel;
}

/**
 * One tunnel between a client socket and an upstream socket.
 * @example const t = await Tunnel.open("example.com", 443, client, { connectMs: 10_000, idleSeconds: 300 })
 */
export class Tunnel {
  readonly upWriter: Writer;
  /** Bytes carried from the client to the upstream, and back. */
  bytesUp = 0;
  bytesDown = 0;
  /** Called once, when the tunnel closes (the access log line). */
  onClosed?: (tunnel: Tunnel) => void;
  #closed = false;
  #active = true;
  #idle: Timer | undefined;

  private constructor(
    readonly up: Socket<UpData>,
    readonly client: ClientSide,
    idleSeconds: number,
  ) {
    this.upWriter = new Writer(up);
    client.socket.timeout(0);
    // Socket timeouts would count only one direction's reads; a download-only
    // tunnel is not idle. So: one check per period, of traffic either way.
    if (idleSeconds > 0) {
      this.#idle = setInterval(() => {
        if (!this.#active) this.close();
        this.#active = false;
      }, idleSeconds * 1000);
      this.#idle.unref();
    }
  }

  /** Connect to `host:port` within `connectMs`; refused or unreachable is a 502, too slow a 504. */
  static async open(
    host: string,
    port: number,
    client: ClientSide,
    opts: { connectMs: number; idleSeconds: number; tls?: boolean },
  ): Promise<Tunnel> {
    const up = await dial<UpData>(
      host,
      port,
      {},
      {
        data: (s, d) => s.data.tunnel?.fromUpstream(d),
        drain: (s) => s.data.tunnel?.upWriter.drain(),
        close: (s) => s.data.tunnel?.close(),
        error: (s) => s.data.tunnel?.close(),
        end: (s) => s.data.tunnel?.close(),
      },
      opts,
    );
    const tunnel = new Tunnel(up, client, opts.idleSeconds);
    up.data.tunnel = tunnel;
    return tunnel;
  }

  /** Bytes from the client, to the upstream. */
  fromClient(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#active = true;
    this.bytesUp += bytes.length;
    if (!this.upWriter.write(bytes)) {
      this.client.socket.pause();
      this.upWriter.onFlushed = () => this.client.socket.resume();
    }
  }

  /** Bytes from the upstream, to the client. */
  fromUpstream(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#active = true;
    this.bytesDown += bytes.length;
    if (!this.client.writer.write(bytes)) {
      this.up.pause();
      this.client.writer.onFlushed = () => this.up.resume();
    }
  }

  /** Either side ended, failed or idled out: end both once what is queued is written. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#idle);
    this.onClosed?.(this);
    const up = this.up;
    this.upWriter.flushed().then(() => up.end());
    this.client.writer.flushed().then(() => this.client.close());
    // A peer that stopped reading must not hold the tunnel open forever.
    setTimeout(() => {
      up.terminate();
      this.upWriter.close();
      this.client.writer.close();
    }, 5000).unref();
  }

  get closed(): boolean {
    return this.#closed;
  }
}
