/** The proxy option and the proxy environment, through a tiny forward proxy that records what it is asked. */
import { afterAll, afterEach, describe, expect, it } from "bun:test";
import { bypassed, exportedProxyEnv, proxyFromEnv } from "../../src/client/proxy-env.ts";
import { getSetting } from "../../src/config/settings.ts";
import { parseValue } from "../../src/config/values.ts";
import { HttpClient } from "../../src/index.ts";
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
