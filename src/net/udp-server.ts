/**
 * UdpSocketServer: an application whose workers each bind `Bun.udpSocket`
 * with SO_REUSEPORT on the shared address (the kernel spreads peers over the
 * workers by their address), and hand every datagram to a DatagramProtocol.
 * A peer's state lives until it has been silent for `keep_alive` seconds.
 */
import type { udp } from "bun";
import type { Actor } from "../actor/actor.ts";
import type { AppOptions, WorkerBody } from "../actor/application.ts";
import type { AppSettings } from "../config/resolve.ts";
import { parseBind } from "../server/bind.ts";
import { type Listen, listensOn } from "../server/probe.ts";
import { newStats } from "./connection.ts";
import { NetApplication, reportStats } from "./net-app.ts";
import type { Datagram, DatagramProtocol } from "./protocol.ts";

export interface UdpSocketServerOptions extends AppOptions {}

// uSockets listen flags, as Bun's own node:dgram passes them for `reusePort`:
// LISTEN_REUSE_PORT, and fail rather than silently bind without it.
const LISTEN_REUSE_PORT = 4;
const LISTEN_DISALLOW_REUSE_PORT_FAILURE = 32;

/** Datagrams queued per worker while the socket's send buffer is full; more are dropped. */
const MAX_QUEUED = 1024;

interface Peer<S> {
  address: string;
  state: S;
  seen: number;
  /** Sends to this peer from the socket it wrote to: made once per peer, not per datagram. */
  reply: (data: string | Uint8Array) => boolean;
}

/**
 * Serve a UDP `protocol` under the arbiter.
 * @example
 * new UdpSocketServer({ datagram: (d) => d.reply(d.data) }, { name: "echoudp" }).start();
 */
export class UdpSocketServer<S = unknown> extends NetApplication {
  readonly #protocol: DatagramProtocol<S>;

  constructor(protocol: DatagramProtocol<S>, options: UdpSocketServerOptions = {}) {
    super({ name: "udp", ...options });
    this.#protocol = protocol;
  }

  protected scheme(): string {
    return "udp";
  }

  override listens(cfg: AppSettings): Listen[] {
    return listensOn(cfg.bind, "udp");
  }

  override configure(cfg: AppSettings, log: { info(m: string): void; warn(m: string): void }): void {
    super.configure(cfg, log);
    if (cfg.cert_file) log.warn("cert_file/key_file do not apply to UDP (no DTLS); serving plain UDP");
  }

  override async serve(actor: Actor, cfg: AppSettings): Promise<WorkerBody> {
    const protocol = this.#protocol;
    const stats = newStats();
    reportStats(actor, stats);
    // One table per bound socket (a reply leaves from the address the peer wrote to), keyed by
    // the peer's port, then its address: a string key built per datagram cost ~8 % of throughput.
    const tables: Map<number, Peer<S>[]>[] = [];
    let peerCount = 0;
    let clock = Date.now();
    const idleMs = cfg.keep_alive * 1000;
    const queue: [udp.Socket<"buffer">, Uint8Array, number, string][] = [];
    let dropped = 0;
    Object.defineProperty(actor.extra, "dropped", { enumerable: true, get: () => dropped });

    const send = (sock: udp.Socket<"buffer">, data: Uint8Array, port: number, address: string): boolean => {
      if (queue.length === 0 && sock.send(data, port, address)) {
        stats.bytes_out += data.byteLength;
        return true;
      }
      if (queue.length >= MAX_QUEUED) {
        dropped++;
        return false;
      }
      queue.push([sock, data.slice(), port, address]);
      return true;
    };
    const flush = () => {
      while (queue.length) {
        const [sock, data, port, address] = queue[0] as (typeof queue)[number];
        if (!sock.send(data, port, address)) return;
        stats.bytes_out += data.byteLength;
        queue.shift();
      }
    };
    const onError = (err: unknown) => actor.log.error(`datagram handler: ${(err as Error)?.stack ?? String(err)}`);

    const sockets = await Promise.all(
      cfg.bind.map(parseBind).map((addr) => {
        const peers = new Map<number, Peer<S>[]>();
        tables.push(peers);
        return Bun.udpSocket({
          hostname: addr.hostname,
          port: addr.port,
          // Not in Bun's udpSocket types, but what its node:dgram uses for reusePort.
          ...({ flags: LISTEN_REUSE_PORT | LISTEN_DISALLOW_REUSE_PORT_FAILURE } as object),
          socket: {
            data(sock, data, port, address) {
              actor.countRequest();
              stats.bytes_in += data.byteLength;
              const onPort = peers.get(port);
              let peer = onPort?.[0]?.address === address ? onPort[0] : onPort?.find((p) => p.address === address);
              if (!peer) {
                const state = (protocol.state ? protocol.state({ address, port }) : {}) as S;
                const reply = (out: string | Uint8Array) => send(sock, toBytes(out), port, address);
                peer = { address, state, seen: 0, reply };
                if (onPort) onPort.push(peer);
                else peers.set(port, [peer]);
                stats.total++;
                stats.connections = ++peerCount;
              }
              peer.seen = clock;
              const d: Datagram = { data, address, port, reply: peer.reply };
              try {
                const r = protocol.datagram(d, peer.state);
                if (r instanceof Promise) r.catch(onError);
              } catch (err) {
                onError(err);
              }
            },
            drain: flush,
            error(_sock, err) {
              actor.log.warn(`udp socket: ${err.message}`);
            },
          },
        });
      }),
    );
    // Peers are "connections" while they are active: forget the silent ones. A peer's last
    // activity is stamped with this sweep's clock, not Date.now(): that call per datagram cost
    // a few percent of the throughput; the price is a peer kept up to one period longer.
    const period = Math.max(250, Math.min(idleMs / 2 || 1000, 5000));
    const sweep = setInterval(() => {
      clock = Date.now();
      const cutoff = clock - idleMs - period;
      if (idleMs > 0)
        for (const peers of tables)
          for (const [port, list] of peers) {
            const kept = list.filter((p) => p.seen >= cutoff);
            peerCount -= list.length - kept.length;
            if (kept.length) peers.set(port, kept);
            else peers.delete(port);
          }
      stats.connections = peerCount;
    }, period);
    sweep.unref();
    return {
      ready: { ports: sockets.map((s) => s.port) },
      stop() {
        clearInterval(sweep);
        flush();
        for (const s of sockets) s.close();
      },
    };
  }
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? Buffer.from(data) : data;
}
