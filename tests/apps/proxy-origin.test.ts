/**
 * The proxy's own upstream client (apps/proxy/origin.ts), against scripted
 * origins that answer exactly the bytes a test gives them: how responses are
 * framed, when a connection goes back to the pool, and what a broken origin
 * costs the client.
 */
import { describe, expect, it } from "bun:test";
import { parseResponseHead } from "../../apps/proxy/head.ts";
import { responseFraming } from "../../apps/proxy/origin.ts";
import { raw, startProxy } from "./proxy-helpers.ts";

/**
 * An origin that answers each request with the next of `answers` (bytes as
 * given), then does what `after` says; it counts connections and requests.
 */
function scripted(answers: string[], after: "keep" | "close" = "keep") {
  let next = 0;
  const seen = { connections: 0, requests: [] as string[] };
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open() {
        seen.connections++;
      },
      data(s, d) {
        const text = d.toString("latin1");
        seen.requests.push(text);
        s.write(answers[Math.min(next++, answers.length - 1)] as string);
        if (after === "close") s.end();
      },
    },
  });
  return { port: listener.port, seen, [Symbol.dispose]: () => listener.stop(true) };
}

const get = (port: number, path = "/", extra = "") =>
  `GET http://127.0.0.1:${port}${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`;

describe("proxy origin client: response framing", () => {
  const head = (text: string) => parseResponseHead(Buffer.from(text));

  it("frames by method and status first, then Transfer-Encoding, then Content-Length, else until close", () => {
    expect(responseFraming("HEAD", head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"))).toEqual({ kind: "none" });
    expect(responseFraming("GET", head("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"))).toEqual({
      kind: "none",
    });
    expect(responseFraming("GET", head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"))).toEqual({
      kind: "chunked",
    });
    expect(responseFraming("GET", head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"))).toEqual({
      kind: "close",
    });
    expect(responseFraming("GET", head("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"))).toEqual({
      kind: "length",
      length: 7,
    });
    expect(responseFraming("GET", head("HTTP/1.0 200 OK\r\n\r\n"))).toEqual({ kind: "close" });
    expect(() => responseFraming("GET", head("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"))).toThrow(
      'malformed Content-Length "1, 2"',
    );
  });

  it("refuses a malformed status line and reads the reason phrase", () => {
    expect(head("HTTP/1.1 404 Not Found\r\n\r\n")).toMatchObject({ status: 404, reason: "Not Found", minor: 1 });
    expect(() => head("HTTP/2 200\r\n\r\n")).toThrow('malformed status line "HTTP/2 200"');
    expect(() => head("HTTP/1.1 20 OK\r\n\r\n")).toThrow("malformed status line");
  });
});

describe("proxy origin client: against scripted origins", () => {
  it("skips 1xx answers and relays the final response", async () => {
    using origin = scripted([
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ]);
    using proxy = startProxy();
    const out = await raw(proxy.port, get(origin.port, "/", "Connection: close\r\n"));
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).not.toContain("103");
    expect(out.endsWith("\r\n\r\nok")).toBe(true);
  });

  it("passes a chunked response on chunked, and decodes it for an HTTP/1.0 client", async () => {
    const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n";
    using origin = scripted([chunked]);
    using proxy = startProxy();
    const one = await raw(proxy.port, get(origin.port, "/", "Connection: close\r\n"));
    expect(one).toMatch(/transfer-encoding: chunked\r\n/);
    expect(one.endsWith("\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")).toBe(true);
    const old = await raw(proxy.port, get(origin.port).replace("HTTP/1.1", "HTTP/1.0"));
    expect(old).not.toMatch(/transfer-encoding/i);
    expect(old).toMatch(/connection: close\r\n/);
    expect(old.endsWith("\r\n\r\nabcde")).toBe(true);
  });

  it("relays a response that ends when the origin closes, and does not reuse that connection", async () => {
    using origin = scripted(["HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"], "close");
    using proxy = startProxy();
    const twice = get(origin.port) + get(origin.port, "/", "Connection: close\r\n");
    const out = await raw(proxy.port, twice);
    expect(out.match(/7\r\nuntil t|d\r\nuntil the end\r\n0\r\n\r\n/g)?.length).toBe(2);
    expect(origin.seen.connections).toBe(2);
  });

  it("retries on a fresh connection when the origin closed a pooled one", async () => {
    const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    // Each answer claims keep-alive, but the origin closes the connection right after it.
    using origin = scripted([ok], "close");
    using proxy = startProxy();
    expect(await raw(proxy.port, get(origin.port, "/", "Connection: close\r\n"))).toMatch(/^HTTP\/1\.1 200 /);
    await Bun.sleep(50);
    const again = await raw(proxy.port, get(origin.port, "/", "Connection: close\r\n"));
    expect(again).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    expect(origin.seen.connections).toBe(2);
  });

  it("does not reuse a connection the origin asked to close", async () => {
    using origin = scripted(["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"]);
    using proxy = startProxy();
    const twice = get(origin.port) + get(origin.port, "/", "Connection: close\r\n");
    const out = await raw(proxy.port, twice);
    expect(out.match(/\r\n\r\nok/g)?.length).toBe(2);
    expect(out).not.toMatch(/^connection: close\r\n[\s\S]*HTTP\/1\.1 200/);
    expect(origin.seen.connections).toBe(2);
  });

  it("502 for a malformed chunked body caught before anything was relayed, and keeps serving others", async () => {
    using bad = scripted(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnope\r\n"]);
    using good = scripted(["HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood"]);
    using proxy = startProxy();
    const out = await raw(proxy.port, get(bad.port, "/", "Connection: close\r\n"));
    expect(out).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(out).toContain(`upstream 127.0.0.1:${bad.port} sent a malformed body: chunked body: bad chunk size zz`);
    expect(await raw(proxy.port, get(good.port, "/", "Connection: close\r\n"))).toMatch(/\r\n\r\ngood$/);
  });

  it("cuts the client off when the body breaks after part of it was relayed", async () => {
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(s) {
          s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
          setTimeout(() => s.end(), 50);
        },
      },
    });
    using proxy = startProxy();
    const out = await raw(proxy.port, get(listener.port));
    listener.stop(true);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 100\r\n\r\npartial$/);
  });

  it("drops the origin connection when the client goes away mid-response", async () => {
    const closed = Promise.withResolvers<void>();
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data: (s) => void s.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nthe start"),
        close: () => closed.resolve(),
      },
    });
    using proxy = startProxy();
    const out = await raw(proxy.port, get(listener.port), /the start/);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nthe start$/);
    // raw() ended the client's side on the match: the proxy must not keep the origin half-read.
    const timeout = Bun.sleep(5000).then(() => "still open");
    expect(await Promise.race([closed.promise.then(() => "closed"), timeout])).toBe("closed");
    listener.stop(true);
  });

  it("502 naming the origin when it closes without answering", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: (s) => void s.end() } });
    using proxy = startProxy();
    const out = await raw(proxy.port, get(listener.port, "/", "Connection: close\r\n"));
    listener.stop(true);
    expect(out).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(out).toContain(`upstream 127.0.0.1:${listener.port} closed the connection without answering`);
  });

  it("sends the request head as the client wrote it, with no User-Agent or Accept of its own", async () => {
    using origin = scripted(["HTTP/1.1 204 No Content\r\n\r\n"]);
    using proxy = startProxy();
    // Latin-1 bytes in a field value (obs-text) go upstream byte for byte.
    await raw(
      proxy.port,
      Buffer.from(get(origin.port, "/p?q=1", "X-Custom: \xe9t\xe9\r\nConnection: close\r\n"), "latin1"),
    );
    const [request] = origin.seen.requests;
    expect(request).toStartWith(`GET /p?q=1 HTTP/1.1\r\nhost: 127.0.0.1:${origin.port}\r\nx-custom: \xe9t\xe9\r\n`);
    expect(request).not.toMatch(/user-agent|accept:/i);
    expect(request).toMatch(/via: 1\.1 pulsar-[^\r]+\r\nx-forwarded-for: 127\.0\.0\.1\r\n\r\n$/);
  });
});
