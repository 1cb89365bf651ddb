/**
 * The `echo` (TCP) and `echoudp` apps of the original's examples:
 *   pulsar run echo --workers 2       messages end with \r\n\r\n, echoed whole; QUIT closes
 *   pulsar run echoudp                each datagram echoed as is; QUIT answers BYE
 */
import type { AppSettings } from "../../src/config/resolve.ts";
import { SocketServer, type SocketServerOptions } from "../../src/net/socket-server.ts";
import { UdpSocketServer, type UdpSocketServerOptions } from "../../src/net/udp-server.ts";
import { echoProtocol } from "./protocol.ts";

export { DELIMITER, echoProtocol } from "./protocol.ts";

/** The `echo` app: `pulsar run echo`. */
export function echo(options: SocketServerOptions = {}): SocketServer {
  return new SocketServer((cfg: AppSettings) => echoProtocol(cfg.stream_buffer), {
    name: "echo",
    ...options,
  }) as SocketServer;
}

const QUIT = /^QUIT(\r\n\r\n)?$/;

/** The `echoudp` app: `pulsar run echoudp`. */
export function echoudp(options: UdpSocketServerOptions = {}): UdpSocketServer {
  return new UdpSocketServer(
    {
      datagram(d) {
        // A datagram is a message: no framing needed. QUIT gets BYE (there is no connection to close).
        if (d.data.byteLength <= 8 && QUIT.test(Buffer.from(d.data).toString("latin1"))) d.reply("BYE\r\n\r\n");
        else d.reply(d.data);
      },
    },
    { name: "echoudp", ...options },
  );
}
