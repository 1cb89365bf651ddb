/** Pieces the proxy tests share: a proxy in this process, origin servers that count connections, raw requests. */
import { listenProxy, proxyContext } from "../../apps/proxy/index.ts";
import type { AppSettings } from "../../src/config/resolve.ts";

export { selfSigned } from "../helpers/tls.ts";

/** A proxy listening on 127.0.0.1:0 in this process, with `settings`; `log` collects its lines. */
export function startProxy(settings: Partial<AppSettings> = {}) {
  const log: string[] = [];
  const { listener, connections, ctx } = listenProxy("127.0.0.1", 0, (port) =>
    proxyContext(settings, port, (l) => log.push(l)),
  );
  return {
    port: listener.port,
    url: `http://127.0.0.1:${listener.port}`,
    log,
    connections,
    [Symbol.dispose]: () => {
      listener.stop(true);
      ctx.origins.close();
    },
  };
}

/** An origin that echoes what it received and counts the TCP connections it saw. */
export function startOrigin(tls?: { cert: string; key: string }) {
  const peers = new Set<number>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls,
    fetch(req, srv) {
      peers.add(srv.requestIP(req)?.port ?? 0);
      const url = new URL(req.url);
      if (url.pathname === "/ws" && srv.upgrade(req, { data: undefined })) return;
      if (url.pathname === "/headers")
        return Response.json({
          url: req.url,
          headers: Object.fromEntries(req.headers as unknown as Iterable<[string, string]>),
          method: req.method,
        });
      if (url.pathname === "/echo") return new Response(req.body, { headers: { "x-echo": "1" } });
      // No body, Content-Length: 0: an empty 200, or a redirect with ?status=302.
      if (url.pathname === "/empty")
        return new Response(null, {
          status: Number(url.searchParams.get("status") ?? 200),
          headers: { location: "/" },
        });
      if (url.pathname === "/bytes")
        return new Response(new Uint8Array(Number(url.searchParams.get("n") ?? 0)).fill(97));
      return new Response(`hello from ${srv.port}\n`);
    },
    websocket: {
      message(ws, m) {
        ws.send(`echo:${m}`);
      },
    },
  });
  return { server, port: server.port, peers, [Symbol.dispose]: () => server.stop(true) };
}

/** Send `text` on a fresh connection and read until the server closes it (or `until` matches). */
export async function raw(port: number, text: string | Uint8Array, until?: RegExp): Promise<string> {
  let out = "";
  const { promise, resolve } = Promise.withResolvers<string>();
  const sock = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(s, d) {
        out += d.toString("latin1");
        if (until?.test(out)) {
          resolve(out);
          s.end();
        }
      },
      close: () => resolve(out),
      error: () => resolve(out),
    },
  });
  sock.write(text);
  return promise;
}

/** Run a program to completion: exit code, stdout, stderr. */
export async function run(cmd: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** One masked websocket text frame, as a client sends it (RFC 6455 §5.2). */
export function wsFrame(text: string): Uint8Array {
  const payload = Buffer.from(text);
  const mask = [1, 2, 3, 4];
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  frame.set(mask, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return frame;
}
