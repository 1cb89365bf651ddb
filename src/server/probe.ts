/**
 * Is an address free? Workers bind with SO_REUSEPORT so that they share their
 * port, but the kernel lets ANY socket of the same user that also sets it join
 * that group: a second pulsar on the same address would boot without error and
 * take a share of the first one's connections. So, before the first worker of
 * any app binds, the arbiter listens once on every concrete address WITHOUT
 * reusePort and closes at once: EADDRINUSE there is a boot error, as it would be
 * for any other server (exit code 3). Later binds (more workers, reloads,
 * replacements) join the app's own group and are not probed: they must share.
 *
 * Why the probe closes at once: kept open without reusePort it would refuse the
 * workers, and with it, it would take a share of the connections and never
 * accept them. What remains is a window, between the probe and the first
 * worker's bind, in which two instances started at the same instant could both
 * pass; any later one is refused.
 */
import { BootError } from "../errors.ts";
import { type Address, parseBind } from "./bind.ts";

/** One address an app's workers bind with SO_REUSEPORT. */
export interface Listen extends Address {
  transport: "tcp" | "udp";
}

/** The `bind` entries as addresses of `transport`. */
export function listensOn(bind: string[], transport: Listen["transport"]): Listen[] {
  return bind.map((entry) => ({ ...parseBind(entry), transport }));
}

/**
 * Throw BootError naming the app and the address when one of `apps`' addresses
 * (port 0 aside: the kernel picks a free one) is in use, by another program or by
 * another of these apps: every probe stays open until all are done.
 * @example await probeFree([{ name: "hello", listens: listensOn(["127.0.0.1:8060"], "tcp") }]);
 */
export async function probeFree(apps: { name: string; listens: Listen[] }[]): Promise<void> {
  const held: (() => void)[] = [];
  try {
    for (const { name, listens } of apps)
      for (const l of listens) {
        if (l.port === 0) continue;
        try {
          held.push(await open(l));
        } catch (err) {
          // Only a taken address is ours to report. Anything else (EACCES, EADDRNOTAVAIL) the
          // workers meet too, and report as they always have.
          if ((err as { code?: string }).code !== "EADDRINUSE") continue;
          throw new BootError(`${name} cannot bind ${show(l)}: the address is already in use (EADDRINUSE)`, {
            ...l,
            errno: "EADDRINUSE",
          });
        }
      }
  } finally {
    for (const close of held) close();
  }
}

async function open({ hostname, port, transport }: Listen): Promise<() => void> {
  if (transport === "udp") {
    const socket = await Bun.udpSocket({ hostname, port });
    return () => socket.close();
  }
  const listener = Bun.listen({ hostname, port, socket: { data() {} } });
  return () => listener.stop(true);
}

/** `127.0.0.1:8060 (tcp)`, with brackets for IPv6. */
function show({ hostname, port, transport }: Listen): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port} (${transport})`;
}
