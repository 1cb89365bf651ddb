/** The proxy in this process, driven by curl, fetch and raw sockets against local origins. */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { proxy } from "../../apps/proxy/index.ts";
import { HttpError } from "../../src/client/errors.ts";
import { HttpClient } from "../../src/client/http-client.ts";
import { parseCli, resolveApp } from "../../src/config/resolve.ts";
import { freePort, tempDir, until } from "../helpers/proc.ts";
import { raw, run, selfSigned, startOrigin, startProxy, wsFrame } from "./proxy-helpers.ts";

const curl = (...args: string[]) => run(["curl", "-sS", ...args]);

// describe bodies run before their tests: servers they share start and stop in the hooks.
describe("proxy: forwarding plain http", () => {
  const origin = startOrigin();
  const proxy = startProxy({ access_log: true });
  const base = `http://127.0.0.1:${origin.port}`;
  afterAll(() => {
    proxy[Symbol.dispose]();
    origin[Symbol.dispose]();
  });

  it("serves curl -x, rewriting absolute-form to origin-form with the target's Host", async () => {
    const r = await curl("-x", proxy.url, `${base}/headers?a=1`);
    const seen = JSON.parse(r.out);
    expect(seen.url).toBe(`${base}/headers?a=1`);
    expect(seen.headers.host).toBe(`127.0.0.1:${origin.port}`);
  });

  it("removes hop-by-hop fields, adds Via and appends the client to X-Forwarded-For", async () => {
    const r = await curl(
      "-x",
      proxy.url,
      "-H",
      "Connection: X-Private",
      "-H",
      "X-Private: secret",
      "-H",
      "Keep-Alive: timeout=5",
      "-H",
      "TE: trailers",
      "-H",
      "Upgrade: h2c",
      "-H",
      "Proxy-Authorization: Basic eDp5",
      "-H",
      "X-Forwarded-For: 10.1.2.3",
      "-H",
      "Via: 1.0 corp",
      `${base}/headers`,
    );
    const h = JSON.parse(r.out).headers;
    for (const gone of ["x-private", "keep-alive", "upgrade", "proxy-authorization", "proxy-connection"])
      expect(h[gone]).toBeUndefined();
    expect(h.te).toBe("trailers");
    expect(h.via).toBe(`1.0 corp, 1.1 pulsar-${require("node:os").hostname()}:${proxy.port}`);
    expect(h["x-forwarded-for"]).toBe("10.1.2.3, 127.0.0.1");
  });

  it("adds Via to the response and logs one access line per request", async () => {
    const r = await curl("-x", proxy.url, "-D", "-", "-o", "/dev/null", `${base}/`);
    expect(r.out).toMatch(/^via: 1\.1 pulsar-.+:\d+\r$/m);
    expect(proxy.log.at(-1)).toMatch(new RegExp(`^127\\.0\\.0\\.1 "GET ${base}/ HTTP/1\\.1" 200 \\d+ \\d+ms$`));
  });

  it("streams request bodies upstream, by Content-Length and chunked", async () => {
    using dir = tempDir();
    const body = "x".repeat(300_000);
    await Bun.write(`${dir.path}/body`, body);
    const a = await curl("-x", proxy.url, "--data-binary", `@${dir.path}/body`, `${base}/echo`);
    expect(a.out).toBe(body);
    const b = await curl(
      "-x",
      proxy.url,
      "-H",
      "Transfer-Encoding: chunked",
      "--data-binary",
      "chunky",
      `${base}/echo`,
    );
    expect(b.out).toBe("chunky");
  });

  it("relays Content-Length: 0 responses (an empty 200, a 302) at once, on a connection that carries on", async () => {
    // One curl, one client connection: each answer must end for the next request to go out.
    const r = await curl(
      "-x",
      proxy.url,
      "--max-time",
      "5",
      "-w",
      "%{http_code} %{size_download} %{num_connects}\n",
      "-d",
      "probe",
      `${base}/empty`,
      `${base}/empty?status=302`,
      `${base}/`,
    );
    expect(r.err).toBe("");
    expect(r.out).toBe(`200 0 1\n302 0 0\nhello from ${origin.port}\n200 ${`hello from ${origin.port}\n`.length} 0\n`);
  });

  it("re-frames a response without length as chunked for HTTP/1.1 and close-delimited for HTTP/1.0", async () => {
    const r11 = await raw(
      proxy.port,
      `POST ${base}/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`,
    );
    expect(r11).toMatch(/transfer-encoding: chunked\r\n/);
    expect(r11.endsWith("3\r\nabc\r\n0\r\n\r\n")).toBe(true);
    const r10 = await raw(proxy.port, `POST ${base}/echo HTTP/1.0\r\nContent-Length: 3\r\n\r\nxyz`);
    expect(r10).toMatch(/connection: close\r\n/);
    expect(r10.endsWith("\r\n\r\nxyz")).toBe(true);
  });

  it("serves pipelined requests in order on one connection", async () => {
    const two = `GET ${base}/headers HTTP/1.1\r\nHost: a\r\n\r\nGET ${base}/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`;
    const out = await raw(proxy.port, two);
    expect(out.match(/HTTP\/1\.1 200 OK/g)?.length).toBe(2);
    expect(out.indexOf('"method":"GET"')).toBeLessThan(out.indexOf(`hello from ${origin.port}`));
  });

  it("keeps upstream connections alive: ten requests, one upstream connection", async () => {
    using fresh = startOrigin();
    const urls = Array.from({ length: 10 }, () => `http://127.0.0.1:${fresh.port}/`);
    const r = await curl("-x", proxy.url, ...urls);
    expect(r.out.match(/hello from/g)?.length).toBe(10);
    expect(fresh.peers.size).toBe(1);
  });
});

describe("proxy: errors, each with a plain-text reason", () => {
  const origin = startOrigin();
  const base = `http://127.0.0.1:${origin.port}`;
  afterAll(() => origin[Symbol.dispose]());

  it("502 when the upstream refuses the connection", async () => {
    using proxy = startProxy();
    const r = await curl("-x", proxy.url, "-i", `http://127.0.0.1:${freePort()}/`);
    expect(r.out).toMatch(/^HTTP\/1\.1 502 Bad Gateway/);
    expect(r.out).toMatch(/content-type: text\/plain/);
    expect(r.out).toMatch(/cannot connect to upstream 127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it("502 when the upstream answers garbage", async () => {
    const junk = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(s) {
          s.write("this is not http\r\n\r\n");
          s.end();
        },
      },
    });
    using proxy = startProxy();
    const r = await curl("-x", proxy.url, "-i", `http://127.0.0.1:${junk.port}/`);
    junk.stop(true);
    expect(r.out).toMatch(/^HTTP\/1\.1 502 /);
    expect(r.out).toContain(
      `upstream 127.0.0.1:${junk.port} sent a malformed response: malformed status line "this is not http"`,
    );
  });

  it("504 when the upstream does not answer within upstream_timeout", async () => {
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    using proxy = startProxy({ upstream_timeout: 0.3 });
    const r = await curl("-x", proxy.url, "-i", `http://127.0.0.1:${silent.port}/`);
    silent.stop(true);
    expect(r.out).toMatch(/^HTTP\/1\.1 504 Gateway Timeout/);
    expect(r.out).toContain(`upstream 127.0.0.1:${silent.port} did not answer within 0.3 s`);
  });

  it("gives a request on a reused upstream connection its whole upstream_timeout, then 504", async () => {
    // The origin answers the first request on a connection and never the second: the second waits on a
    // pooled connection whose timer was set for the first, and must not be cut short by it.
    const seen: number[] = [];
    const origin = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(s) {
          seen.push(s.localPort);
          if (seen.length === 1) s.write("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n");
        },
      },
    });
    using proxy = startProxy({ upstream_timeout: 1 });
    const url = `http://127.0.0.1:${origin.port}/`;
    expect((await curl("-x", proxy.url, url)).out).toBe("ok\n");
    await Bun.sleep(600);
    const t0 = performance.now();
    const r = await curl("-x", proxy.url, "-i", url);
    const waited = performance.now() - t0;
    origin.stop(true);
    expect(seen.length).toBe(2);
    expect(r.out).toMatch(/^HTTP\/1\.1 504 Gateway Timeout/);
    expect(r.out).toContain(`did not answer within 1 s`);
    // A timer left from the first request would have fired 0.4 s into this one.
    expect(waited).toBeGreaterThanOrEqual(950);
  });

  it("403 for hosts deny_hosts names or allow_hosts leaves out", async () => {
    using proxy = startProxy({ allow_hosts: ["127.0.0.1", "*.allowed.test"], deny_hosts: ["bad.allowed.test"] });
    expect((await curl("-x", proxy.url, `${base}/`)).out).toBe(`hello from ${origin.port}\n`);
    const denied = await curl("-x", proxy.url, "-i", "http://bad.allowed.test/");
    expect(denied.out).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(denied.out).toContain("host bad.allowed.test is denied by deny_hosts");
    const other = await curl("-x", proxy.url, "-i", "http://localhost/");
    expect(other.out).toContain("host localhost is not in allow_hosts");
  });

  it("407 with Proxy-Authenticate when proxy_auth is set and the client sends no credentials", async () => {
    using proxy = startProxy({ proxy_auth: "alice:s3cret" });
    const r = await curl("-x", proxy.url, "-i", `${base}/`);
    expect(r.out).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required/);
    expect(r.out).toMatch(/proxy-authenticate: Basic realm="pulsar proxy"/);
    const wrong = await curl("-x", proxy.url, "-U", "alice:nope", "-i", `${base}/`);
    expect(wrong.out).toMatch(/^HTTP\/1\.1 407 /);
    const ok = await curl("-x", proxy.url, "-U", "alice:s3cret", `${base}/headers`);
    expect(JSON.parse(ok.out).headers["proxy-authorization"]).toBeUndefined();
  });

  it("508 for a request that already carries our Via (a proxy asked to fetch itself)", async () => {
    using proxy = startProxy();
    const r = await curl("-x", proxy.url, "-i", `${proxy.url}/`);
    expect(r.out).toMatch(/^HTTP\/1\.1 508 Loop Detected/);
    expect(r.out).toContain("loop detected");
  });

  it("400 for an origin-form target, a malformed target and a malformed head; 431 for a huge head", async () => {
    using proxy = startProxy();
    const path = await raw(proxy.port, "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(path).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(path).toContain("the request target must be an absolute URL (http://host/x)");
    const bad = await raw(proxy.port, "GET http://[oops/ HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(bad).toContain('malformed request target "http://[oops/"');
    const head = await raw(proxy.port, "GET http://a/ HTTP/1.1\r\nno colon here\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 400 [\s\S]*malformed header line "no colon here"/);
    const huge = await raw(proxy.port, `GET http://a/ HTTP/1.1\r\nX: ${"a".repeat(70_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 [\s\S]*request head larger than 65536 bytes/);
  });

  it("400 for a GET with a body, which origins read differently, keeping the connection usable", async () => {
    using proxy = startProxy();
    const two =
      `GET ${base}/ HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi` + `GET ${base}/ HTTP/1.1\r\nConnection: close\r\n\r\n`;
    const out = await raw(proxy.port, two);
    expect(out).toMatch(/^HTTP\/1\.1 400 [\s\S]*a GET request with a body cannot be forwarded/);
    expect(out).toContain(`hello from ${origin.port}`);
  });

  it("400 for ambiguous body framing, and the connection is closed", async () => {
    using proxy = startProxy();
    const r = await raw(
      proxy.port,
      `POST ${base}/echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc`,
    );
    expect(r).toMatch(/^HTTP\/1\.1 400 [\s\S]*connection: close[\s\S]*ambiguous framing/);
  });
});

describe("proxy: CONNECT tunnels and websockets", () => {
  const dir = tempDir();
  let tls: Awaited<ReturnType<typeof selfSigned>>;
  let secure: ReturnType<typeof startOrigin>;
  beforeAll(async () => {
    tls = await selfSigned(dir.path);
    secure = startOrigin({ cert: tls.cert, key: tls.key });
  });
  afterAll(() => {
    secure[Symbol.dispose]();
    dir[Symbol.dispose]();
  });

  it("tunnels https for curl to an allowed port, checked against the server's certificate", async () => {
    using proxy = startProxy({ connect_ports: [String(secure.port)], access_log: true });
    const r = await curl("-x", proxy.url, "--cacert", tls.certFile, `https://127.0.0.1:${secure.port}/headers`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).headers["x-forwarded-for"]).toBeUndefined(); // end to end encrypted: untouched
    // Logged when the tunnel ends: status, bytes down (the TLS records of the answer), lifetime, bytes up.
    await until(() => proxy.log.length > 0, 5000, "the tunnel's access line");
    const m = /^127\.0\.0\.1 "CONNECT 127\.0\.0\.1:(\d+) HTTP\/1\.1" 200 (\d+) \d+ms (\d+) up$/.exec(
      proxy.log[0] ?? "",
    );
    expect(m?.[1]).toBe(String(secure.port));
    expect(Number(m?.[2])).toBeGreaterThan(r.out.length); // the body, encrypted, plus the handshake
    expect(Number(m?.[3])).toBeGreaterThan(0);
  });

  it("relays an absolute https:// target through fetch, and 502s when its certificate does not verify", async () => {
    using proxy = startProxy();
    const target = `GET https://127.0.0.1:${secure.port}/headers HTTP/1.1\r\nConnection: close\r\n\r\n`;
    const out = await raw(proxy.port, target);
    expect(out).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(out).toMatch(/upstream 127\.0\.0\.1:\d+ failed: .*(certificate|self.signed)/i);
  });

  it("refuses CONNECT to a port that connect_ports does not list (443 by default)", async () => {
    using proxy = startProxy();
    const r = await raw(
      proxy.port,
      `CONNECT 127.0.0.1:${secure.port} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(r).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(r).toContain(`CONNECT to port ${secure.port} is not allowed (connect_ports: 443)`);
  });

  it("answers 400 to a CONNECT target that is not host:port, and 502 when the port is closed", async () => {
    using proxy = startProxy({ connect_ports: ["1"] });
    const bad = await raw(proxy.port, "CONNECT example.com HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(bad).toContain('malformed CONNECT target "example.com": expected host:port');
    const closed = await raw(proxy.port, "CONNECT 127.0.0.1:1 HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(closed).toMatch(/^HTTP\/1\.1 502 [\s\S]*cannot connect to upstream 127\.0\.0\.1:1: ECONNREFUSED/);
  });

  it("closes a tunnel that carries nothing for tunnel_timeout", async () => {
    using proxy = startProxy({ connect_ports: [String(secure.port)], tunnel_timeout: 0.2 });
    const t0 = performance.now();
    const out = await raw(proxy.port, `CONNECT 127.0.0.1:${secure.port} HTTP/1.1\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 200 Connection Established/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("passes a websocket upgrade through in forward mode", async () => {
    using origin = startOrigin();
    using proxy = startProxy();
    const hs =
      `GET http://127.0.0.1:${origin.port}/ws HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nConnection: Upgrade\r\n` +
      "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    const out = await raw(proxy.port, Buffer.concat([Buffer.from(hs), wsFrame("ping")]), /echo:ping/);
    expect(out).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
    expect(out).toContain("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    expect(out).toContain("echo:ping");
  });

  it("carries http.websocket() through CONNECT when the port is allowed, and says 403 when not", async () => {
    using origin = startOrigin();
    using closed = startProxy();
    await using viaClosed = new HttpClient({ proxy: closed.url, timeout: 5000 });
    const refused = await viaClosed.websocket(`ws://127.0.0.1:${origin.port}/ws`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect(String(refused)).toContain("403");
    using open = startProxy({ connect_ports: [String(origin.port)], access_log: true });
    await using http = new HttpClient({ proxy: open.url, timeout: 5000 });
    const ws = await http.websocket(`ws://127.0.0.1:${origin.port}/ws`);
    ws.send("through");
    expect(await ws.receive()).toBe("echo:through");
    await ws.close();
    // A tunnel's access line is written when it ends: proof the socket went through the proxy.
    await until(() => open.log.some((l) => l.includes(`CONNECT 127.0.0.1:${origin.port}`)));
  });
});

describe("proxy: reverse mode (--upstream)", () => {
  it("balances round robin and skips an upstream that refuses connections", async () => {
    using a = startOrigin();
    using b = startOrigin();
    const dead = `http://127.0.0.1:${freePort()}`;
    using proxy = startProxy({ upstream: [dead, `http://127.0.0.1:${a.port}`, `http://127.0.0.1:${b.port}`] });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${proxy.url}/`);
      expect(res.status).toBe(200);
      seen.push((await res.text()).trim());
    }
    expect(new Set(seen)).toEqual(new Set([`hello from ${a.port}`, `hello from ${b.port}`]));
    expect(seen.filter((s) => s.endsWith(String(a.port))).length).toBe(3);
    expect(proxy.log.some((l) => l.includes("skipping it for a while"))).toBe(true);
  });

  it("keeps the client's Host, adds Via and X-Forwarded-For, and joins an upstream path prefix", async () => {
    using a = startOrigin();
    using proxy = startProxy({ upstream: [`http://127.0.0.1:${a.port}/`] });
    const r = await fetch(`${proxy.url}/headers?q=1`, { headers: { host: "public.example" } });
    const seen = (await r.json()) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe("http://public.example/headers?q=1");
    expect(seen.headers.via).toMatch(/^1\.1 pulsar-/);
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("502 when every upstream is down, naming the upstream", async () => {
    using proxy = startProxy({ upstream: [`http://127.0.0.1:${freePort()}`] });
    const r = await fetch(`${proxy.url}/`);
    expect(r.status).toBe(502);
    expect(await r.text()).toMatch(/^cannot connect to upstream 127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it("passes websockets through to an upstream", async () => {
    using a = startOrigin();
    using proxy = startProxy({ upstream: [`http://127.0.0.1:${a.port}`] });
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
    const got = new Promise<string>((resolve, reject) => {
      ws.onmessage = (e) => resolve(String(e.data));
      ws.onerror = () => reject(new Error("websocket failed"));
    });
    ws.onopen = () => ws.send("through");
    expect(await got).toBe("echo:through");
    ws.close();
  });
});

describe("proxy: settings", () => {
  const resolved = (argv: string[]) => {
    const app = proxy();
    return resolveApp("proxy", app.defaults, app.settings, { cli: parseCli(argv, ["proxy"]), env: {}, file: {} });
  };

  it("listens on loopback, opens CONNECT to 443 only, and logs no access lines by default", () => {
    const cfg = resolved([]);
    expect(cfg.bind).toEqual(["127.0.0.1:8060"]);
    expect(cfg.connect_ports).toEqual(["443"]);
    expect(cfg.access_log).toBe(false);
    expect(cfg.upstream).toEqual([]);
  });

  it("takes --upstream repeated or comma separated, and refuses what is not an http URL", () => {
    expect(resolved(["--upstream", "http://a:1", "--upstream", "http://b:2,https://c"]).upstream).toEqual([
      "http://a:1",
      "http://b:2",
      "https://c",
    ]);
    expect(() => resolved(["--upstream", "ftp://a"])).toThrow("http:// or https:// URLs");
    expect(() => resolved(["--connect-ports", "443,70000"])).toThrow("ports from 1 to 65535");
    expect(() => resolved(["--proxy-auth", "nocolon"])).toThrow("USER:PASSWORD");
  });

  it("warns when a forward proxy without proxy_auth listens beyond loopback", () => {
    const warnings: string[] = [];
    const log = { info() {}, warn: (m: string) => warnings.push(m) };
    const cfg = resolved(["--bind", "0.0.0.0:0"]);
    proxy().configure(cfg, log);
    expect(warnings.join("\n")).toContain("listens on 0.0.0.0:0 without proxy_auth");
    warnings.length = 0;
    proxy().configure(resolved(["--bind", "0.0.0.0:0", "--proxy-auth", "u:p"]), log);
    expect(warnings.join("\n")).not.toContain("without proxy_auth");
  });
});
