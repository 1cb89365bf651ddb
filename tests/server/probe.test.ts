/** The boot probe: an address that a reusePort server already holds is refused, and a free one stays free. */
import { describe, expect, it } from "bun:test";
import { BootError } from "../../src/errors.ts";
import { type Listen, listensOn, probeFree } from "../../src/server/probe.ts";

const SOCKET = { data() {} };
// What the UDP workers pass for reusePort (udp-server.ts).
const UDP_REUSE_PORT = 4 | 32;

/** A TCP listener as a worker opens it: with reusePort. */
function tcpWorker(port = 0) {
  return Bun.listen({ hostname: "127.0.0.1", port, reusePort: true, socket: SOCKET } as Bun.TCPSocketListenOptions);
}

const tcp = (port: number): Listen[] => listensOn([`127.0.0.1:${port}`], "tcp");
const udp = (port: number): Listen[] => listensOn([`127.0.0.1:${port}`], "udp");

async function refusal(probe: Promise<void>): Promise<BootError> {
  const err = await probe.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BootError);
  return err as BootError;
}

describe("probeFree", () => {
  it("refuses a TCP address that another server's reusePort workers hold, naming the app and the address", async () => {
    const held = tcpWorker();
    try {
      const err = await refusal(probeFree([{ name: "hello", listens: tcp(held.port) }]));
      expect(err.code).toBe("E_BOOT");
      expect(err.message).toBe(
        `hello cannot bind 127.0.0.1:${held.port} (tcp): the address is already in use (EADDRINUSE)`,
      );
    } finally {
      held.stop(true);
    }
  });

  it("refuses a TCP address held on all interfaces, and one held by a server without reusePort", async () => {
    const wide = Bun.listen({ hostname: "0.0.0.0", port: 0, reusePort: true, socket: SOCKET } as never);
    const plain = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: SOCKET });
    try {
      await refusal(probeFree([{ name: "a", listens: tcp(wide.port) }]));
      await refusal(probeFree([{ name: "b", listens: tcp(plain.port) }]));
    } finally {
      wide.stop(true);
      plain.stop(true);
    }
  });

  it("refuses a UDP address that another server's reusePort sockets hold", async () => {
    const held = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, flags: UDP_REUSE_PORT } as never);
    try {
      const err = await refusal(probeFree([{ name: "echoudp", listens: udp(held.port) }]));
      expect(err.message).toContain(`127.0.0.1:${held.port} (udp)`);
    } finally {
      held.close();
    }
  });

  it("passes free addresses and closes its probes at once, so the workers bind them with reusePort", async () => {
    const taken = tcpWorker();
    const port = taken.port;
    taken.stop(true);
    const socket = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    const udpPort = socket.port;
    socket.close();
    await probeFree([{ name: "app", listens: [...tcp(port), ...udp(udpPort)] }]);
    const [a, b] = [tcpWorker(port), tcpWorker(port)];
    try {
      const u = await Bun.udpSocket({ hostname: "127.0.0.1", port: udpPort, flags: UDP_REUSE_PORT } as never);
      const shared = u.port;
      u.close();
      expect([a.port, b.port, shared]).toEqual([port, port, udpPort]);
    } finally {
      a.stop(true);
      b.stop(true);
    }
  });

  it("skips port 0: the first worker picks a free port", async () => {
    await probeFree([{ name: "app", listens: [...tcp(0), ...udp(0)] }]);
  });

  it("refuses two apps of one arbiter on the same address, but lets TCP and UDP share a port number", async () => {
    const free = tcpWorker();
    const port = free.port;
    free.stop(true);
    const err = await refusal(
      probeFree([
        { name: "hello", listens: tcp(port) },
        { name: "httpbin", listens: tcp(port) },
      ]),
    );
    expect(err.message).toStartWith(`httpbin cannot bind 127.0.0.1:${port} (tcp)`);
    // The refusal closed hello's probe too.
    tcpWorker(port).stop(true);
    await probeFree([
      { name: "echo", listens: tcp(port) },
      { name: "echoudp", listens: udp(port) },
    ]);
  });

  it("leaves errors other than a taken address to the workers, which report them as before", async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: EADDRNOTAVAIL, not ours to judge.
    await probeFree([{ name: "app", listens: listensOn(["192.0.2.1:8060"], "tcp") }]);
  });
});
