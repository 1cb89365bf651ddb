/** The proxy option and the proxy environment, through a tiny forward proxy that records what it is asked. */
import { afterAll, afterEach, describe, expect, it } from "bun:test";
import { bypassed, exportedProxyEnv, noProxyList, proxyFromEnv } from "../../src/client/proxy-env.ts";
import { getSetting } from "../../src/config/settings.ts";
import { parseValue } from "../../src/config/values.ts";
import { HttpClient } from "../../src/index.ts";
import { startProxy } from "../apps/proxy-helpers.ts";
import { until } from "../helpers/proc.ts";
import { serve, serveHttpbin } from "./httpbin-server.ts";

const bin = serveHttpbin();
/** A forward proxy: absolute-form request lines are recorded, then fetched directly. */
const seen: string[] = [];
const proxy = serve(async (req) => {
  seen.push(`${req.method} ${req.url}`);
  const upstream = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    proxy: false,
    redirect: "manual",
    decompress: false,
  });
  const headers = new Headers(upstream.headers);
  headers.set("via", "1.1 test-proxy");
  return new Response(upstream.body, { status: upstream.status, headers });
});
afterAll(async () => {
  await bin[Symbol.asyncDispose]();
  await proxy[Symbol.asyncDispose]();
});
const ENV = [
  "HTTP_PROXY",
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  seen.length = 0;
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
const clearEnv = () => {
  for (const k of ENV) delete process.env[k];
};

describe("the proxy option", () => {
  it("sends absolute-form requests to the proxy given on the session", async () => {
    clearEnv();
    await using http = new HttpClient({ baseURL: bin.url, proxy: proxy.url });
    const r = await http.get("/get", { params: { a: 1 } });
    expect(seen).toEqual([`GET ${bin.url}/get?a=1`]);
    expect(r.headers.get("via")).toBe("1.1 test-proxy");
    expect(((await r.json()) as { args: unknown }).args).toEqual({ a: "1" });
  });

  it("follows redirects through the proxy, one absolute-form request per hop", async () => {
    clearEnv();
    await using http = new HttpClient({ baseURL: bin.url });
    const r = await http.get("/redirect/2", { proxy: proxy.url });
    expect(r.status).toBe(200);
    expect(seen).toEqual([`GET ${bin.url}/redirect/2`, `GET ${bin.url}/relative-redirect/1`, `GET ${bin.url}/get`]);
  });

  it("reads HTTP_PROXY from the environment, and proxy: false or trustEnv: false go direct", async () => {
    clearEnv();
    process.env.HTTP_PROXY = proxy.url;
    await using http = new HttpClient({ baseURL: bin.url });
    await http.get("/get");
    expect(seen).toEqual([`GET ${bin.url}/get`]);
    await http.get("/get", { proxy: false });
    await using untrusting = new HttpClient({ baseURL: bin.url, trustEnv: false });
    await untrusting.get("/get");
    expect(seen.length).toBe(1);
  });

  it("skips the proxy for hosts NO_PROXY lists", async () => {
    clearEnv();
    process.env.http_proxy = proxy.url;
    process.env.no_proxy = "example.org, 127.0.0.1";
    await using http = new HttpClient({ baseURL: bin.url });
    expect((await http.get("/get")).headers.get("via")).toBeNull();
    expect(seen).toEqual([]);
  });
});

describe("an explicit proxy and NO_PROXY", () => {
  /** The bundled proxy app in this process, logging each request it relays. */
  const app = startProxy({ access_log: true, connect_ports: [String(bin.server.port)] });
  afterAll(() => app[Symbol.dispose]());
  const relayed = (what: string) => app.log.filter((line) => line.includes(what)).length;

  for (const noProxy of ["127.0.0.1", "*"]) {
    it(`sends requests through the proxy option even when NO_PROXY=${noProxy} lists the host`, async () => {
      clearEnv();
      app.log.length = 0;
      process.env.NO_PROXY = noProxy;
      await using session = new HttpClient({ baseURL: bin.url, proxy: app.url });
      expect((await session.get("/get")).status).toBe(200);
      await using plain = new HttpClient({ baseURL: bin.url });
      expect((await plain.get("/anything/one", { proxy: app.url })).status).toBe(200);
      await until(() => relayed(`"GET ${bin.url}/get HTTP/1.1" 200`) && relayed(`"GET ${bin.url}/anything/one`));
      // Without a proxy option, NO_PROXY still decides: direct.
      process.env.HTTP_PROXY = app.url;
      await plain.get("/anything/two");
      expect(relayed("/anything/two")).toBe(0);
    });
  }

  it("opens a websocket through the session's proxy even when NO_PROXY lists the host", async () => {
    clearEnv();
    app.log.length = 0;
    process.env.no_proxy = "127.0.0.1";
    await using http = new HttpClient({ baseURL: bin.url, proxy: app.url });
    await using ws = await http.websocket("/websocket/echo");
    ws.send("through");
    for await (const msg of ws) {
      expect(msg).toBe("through");
      break;
    }
    await ws.close();
    await until(() => relayed(`"CONNECT 127.0.0.1:${bin.server.port} HTTP/1.1" 200`));
    expect(process.env.no_proxy).toBe("127.0.0.1");
  });
});

describe("proxy environment rules", () => {
  const url = (s: string) => new URL(s);
  it("matches NO_PROXY entries by host, domain suffix, port and *", () => {
    expect(bypassed(url("http://api.example.com/"), ".example.com")).toBe(true);
    expect(bypassed(url("http://example.com/"), "example.com")).toBe(true);
    expect(bypassed(url("http://notexample.com/"), "example.com")).toBe(false);
    expect(bypassed(url("http://h.test:8080/"), "h.test:9090")).toBe(false);
    expect(bypassed(url("http://h.test:8080/"), "h.test:8080")).toBe(true);
    expect(bypassed(url("https://anything/"), "*")).toBe(true);
  });

  it("reads CIDR ranges: HTTP_PROXY with NO_PROXY=127.0.0.0/8 goes direct, as Bun's fetch does", async () => {
    const vars = { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.0/8" };
    expect(proxyFromEnv(url(`${bin.url}/get`), vars)).toBe(false);
    expect(proxyFromEnv(url("http://10.1.2.3/"), vars)).toBe(proxy.url);
    clearEnv();
    Object.assign(process.env, vars);
    await using http = new HttpClient({ baseURL: bin.url });
    expect((await http.get("/get")).headers.get("via")).toBeNull();
    expect((await fetch(`${bin.url}/get`)).headers.get("via")).toBeNull();
    expect(seen).toEqual([]);
  });

  it("agrees with Bun's fetch on every kind of NO_PROXY entry", async () => {
    const port = bin.server.port;
    const hosts = {
      v4: `http://127.0.0.1:${port}/`,
      name: `http://localhost:${port}/`,
      sub: `http://a.localhost:${port}/`,
      v6: `http://[::1]:${port}/`,
      mapped: `http://[::ffff:127.0.0.1]:${port}/`,
    };
    const cases: [Record<string, string>, string][] = [
      ...[
        "127.0.0.1",
        "127.0.0.0/8",
        "127.0.0.1/32",
        "127.0.0.2/31",
        "127.0.0.0/08",
        "127.0.0.0/33",
        "127.0.0.0/",
        "10.0.0.0/8",
        "127.*",
        "*.0.0.1",
        ".0.0.1",
        "0.0.1",
        "127.1",
        "127.0.0.01",
        "127.0.0.1.",
        "foo 127.0.0.1",
        "foo;127.0.0.1",
        "foo,*",
        " * ",
        "*.*",
        `127.0.0.1:${port}`,
        "127.0.0.1:1",
        `127.0.0.0/8:${port}`,
        "::ffff:127.0.0.1",
        "::ffff:0:0/96",
        "::ffff:7f00:0/105",
        "::/0",
        "'127.0.0.1'",
      ].map((e): [Record<string, string>, string] => [{ NO_PROXY: e }, hosts.v4]),
      ...["localhost", ".localhost", "*.localhost", "LOCALHOST.", `localhost:${port}`, "localhost:1", "*localhost"]
        .concat(["127.0.0.0/8", "*:80", `:${port}`])
        .map((e): [Record<string, string>, string] => [{ NO_PROXY: e }, hosts.name]),
      ...["localhost", `.localhost:${port}`, "..localhost", "a.localhost", "b.localhost"].map(
        (e): [Record<string, string>, string] => [{ NO_PROXY: e }, hosts.sub],
      ),
      ...["::1", "[::1]", "0:0::1", `[::1]:${port}`, "[::1]:1", "::1/128", "[::1]/128", "::2/127", "fe80::/10"]
        .concat(["0.0.0.0/0", `::1:${port}`])
        .map((e): [Record<string, string>, string] => [{ NO_PROXY: e }, hosts.v6]),
      ...["127.0.0.0/8", `127.0.0.1:${port}`, "::/0", "::ffff:0:0/95"].map((e): [Record<string, string>, string] => [
        { NO_PROXY: e },
        hosts.mapped,
      ]),
      [{ no_proxy: "", NO_PROXY: "127.0.0.1" }, hosts.v4],
      [{ no_proxy: "''", NO_PROXY: "127.0.0.1" }, hosts.v4],
      [{ no_proxy: " ", NO_PROXY: "127.0.0.1" }, hosts.v4],
      [{ no_proxy: "foo", NO_PROXY: "127.0.0.1" }, hosts.v4],
      [{ no_proxy: "127.0.0.1", NO_PROXY: "foo" }, hosts.v4],
      [{ NO_PROXY: '""' }, hosts.v4],
    ];
    // A proxy that only records: some targets (IPv6) are not served, and must not be fetched.
    let asked = 0;
    await using recorder = serve(() => {
      asked++;
      return new Response("proxied");
    });
    const disagree: string[] = [];
    let direct = 0;
    for (const [vars, target] of cases) {
      clearEnv();
      Object.assign(process.env, vars);
      asked = 0;
      // A string proxy option is one Bun's fetch drops for the hosts NO_PROXY lists.
      await fetch(target, { proxy: recorder.url, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      const bun = asked === 0;
      const ours = bypassed(new URL(target), noProxyList(vars));
      if (bun) direct++;
      if (ours !== bun) disagree.push(`${JSON.stringify(vars)} ${target}: Bun ${bun ? "direct" : "proxied"}`);
    }
    expect(disagree).toEqual([]);
    expect(direct).toBeGreaterThan(10);
    expect(cases.length - direct).toBeGreaterThan(10);
  });

  it("picks HTTPS_PROXY for https, HTTP_PROXY for http, ALL_PROXY as the fallback", () => {
    const vars = { HTTP_PROXY: "http://p1:1", https_proxy: "http://p2:2", ALL_PROXY: "http://p3:3" };
    expect(proxyFromEnv(url("http://x/"), vars)).toBe("http://p1:1");
    expect(proxyFromEnv(url("https://x/"), vars)).toBe("http://p2:2");
    expect(proxyFromEnv(url("http://x/"), { ALL_PROXY: "http://p3:3" })).toBe("http://p3:3");
    expect(proxyFromEnv(url("http://x/"), { ...vars, NO_PROXY: "x" })).toBe(false);
    expect(proxyFromEnv(url("http://x/"), {})).toBe(false);
  });
});

describe("the http_proxy setting", () => {
  const setting = getSetting("http_proxy");
  if (!setting) throw new Error("no http_proxy setting");

  it("takes an empty value or an http:// or https:// URL", () => {
    for (const ok of ["", "http://127.0.0.1:3128", "https://proxy.example.com", "http://u:p@[::1]:8080/"])
      expect(parseValue(setting, ok, "--http-proxy")).toBe(ok);
  });

  it("refuses anything else with E_CONFIG naming the flag and what it accepts", () => {
    for (const bad of ["127.0.0.1:3128", "socks5://h:1080", "ftp://h", "http:host", "http://", "http:// h"])
      expect(() => parseValue(setting, bad, "--http-proxy")).toThrow(
        /--http-proxy: http_proxy accepts empty \(no proxy\) or an http:\/\/ or https:\/\/ URL/,
      );
  });

  it("exports both cases of HTTP(S)_PROXY, so it wins over a user's lower-case one; their NO_PROXY still applies", () => {
    expect(exportedProxyEnv("")).toEqual({});
    const user = { http_proxy: "http://theirs:1", https_proxy: "http://theirs:1", NO_PROXY: "internal.test" };
    const vars = { ...user, ...exportedProxyEnv("http://ours:2") };
    expect(proxyFromEnv(new URL("http://x/"), vars)).toBe("http://ours:2");
    expect(proxyFromEnv(new URL("wss://x/"), vars)).toBe("http://ours:2");
    expect(proxyFromEnv(new URL("http://internal.test/"), vars)).toBe(false);
  });
});
