/** The cookie jar's RFC 6265 rules, and the client carrying cookies through httpbin. */
import { afterAll, describe, expect, it } from "bun:test";
import { CookieJar, HttpClient } from "../../src/index.ts";
import { serve, serveHttpbin } from "./httpbin-server.ts";

describe("CookieJar rules", () => {
  it("sends a host-only cookie to its host alone, and a Domain cookie to sub-domains too", () => {
    const jar = new CookieJar();
    jar.setCookie("host=1", "http://example.com/");
    jar.setCookie("wide=2; Domain=.example.com", "http://example.com/");
    expect(jar.header("http://example.com/")).toBe("host=1; wide=2");
    expect(jar.header("http://api.example.com/")).toBe("wide=2");
    expect(jar.header("http://notexample.com/")).toBe("");
  });

  it("ignores a cookie for a domain the host is not under, or a bare top-level domain", () => {
    const jar = new CookieJar();
    expect(jar.setCookie("evil=1; Domain=other.com", "http://example.com/")).toBeNull();
    expect(jar.setCookie("tld=1; Domain=com", "http://example.com/")).toBeNull();
    expect(jar.size).toBe(0);
  });

  it("matches paths on segment boundaries and defaults the path to the request's directory", () => {
    const jar = new CookieJar();
    jar.setCookie("a=1; Path=/app", "http://h.test/");
    jar.setCookie("d=2", "http://h.test/docs/page.html");
    expect(jar.header("http://h.test/app/x")).toBe("a=1");
    expect(jar.header("http://h.test/app")).toBe("a=1");
    expect(jar.header("http://h.test/apple")).toBe("");
    expect(jar.header("http://h.test/docs/other")).toBe("d=2");
    expect(jar.header("http://h.test/")).toBe("");
  });

  it("puts longer paths first", () => {
    const jar = new CookieJar();
    jar.setCookie("outer=1; Path=/", "http://h.test/");
    jar.setCookie("inner=2; Path=/a/b", "http://h.test/");
    expect(jar.header("http://h.test/a/b/c")).toBe("inner=2; outer=1");
  });

  it("expires cookies by Max-Age (over Expires) and deletes with a past date", () => {
    const jar = new CookieJar();
    const t0 = Date.parse("2030-01-01T00:00:00Z");
    jar.setCookie("short=1; Max-Age=10; Expires=Wed, 01 Jan 2031 00:00:00 GMT", "http://h.test/", t0);
    jar.setCookie("until=1; Expires=Tue, 01 Jan 2030 00:01:00 GMT", "http://h.test/", t0);
    expect(jar.header("http://h.test/", t0 + 5_000)).toBe("short=1; until=1");
    expect(jar.header("http://h.test/", t0 + 11_000)).toBe("until=1");
    expect(jar.header("http://h.test/", t0 + 61_000)).toBe("");
    jar.setCookie("gone=1", "http://h.test/");
    jar.setCookie("gone=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "http://h.test/");
    expect(jar.get("gone")).toBeUndefined();
  });

  it("keeps Secure cookies off plain http", () => {
    const jar = new CookieJar();
    jar.setCookie("s=1; Secure", "https://h.test/");
    expect(jar.header("https://h.test/")).toBe("s=1");
    expect(jar.header("http://h.test/")).toBe("");
  });
});

describe("HttpClient cookies", () => {
  const bin = serveHttpbin();
  afterAll(() => bin[Symbol.asyncDispose]());

  it("stores cookies set during a redirect and sends them back; deletes them on request", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const set = await http.get("/cookies/set", { params: { flavour: "oat", size: "xl" } });
    expect(await set.json()).toEqual({ cookies: { flavour: "oat", size: "xl" } });
    expect(set.history[0]?.cookies).toEqual({ flavour: "oat", size: "xl" });
    expect(http.cookies.toJSON()).toEqual({ flavour: "oat", size: "xl" });
    const deleted = await http.get("/cookies/delete", { params: { flavour: "" } });
    expect(await deleted.json()).toEqual({ cookies: { size: "xl" } });
    expect(http.cookies.get("flavour")).toBeUndefined();
  });

  it("adds per-request cookies without storing them, and keeps sessions apart", async () => {
    await using a = new HttpClient({ baseURL: bin.url });
    await using b = new HttpClient({ baseURL: bin.url });
    await a.get("/cookies/set/who/a");
    expect(await (await b.get("/cookies")).json()).toEqual({ cookies: {} });
    expect(await (await a.get("/cookies", { cookies: { extra: "1" } })).json()).toEqual({
      cookies: { who: "a", extra: "1" },
    });
    expect(a.cookies.get("extra")).toBeUndefined();
  });

  it("lets a per-request cookie replace the session's cookie of that name, for that request only", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    await http.get("/cookies/set", { params: { k: "session", other: "kept" } });
    const { headers } = await (await http.get("/headers", { cookies: { k: "request" } })).json<{
      headers: Record<string, string>;
    }>();
    expect(headers.Cookie).toBe("other=kept; k=request");
    expect(await (await http.get("/cookies")).json()).toEqual({ cookies: { k: "session", other: "kept" } });
  });

  it("sends a Path cookie only under its path and honours Max-Age from a real server", async () => {
    await using site = serve((req) => {
      const path = new URL(req.url).pathname;
      if (path === "/login")
        return new Response("ok", {
          headers: [
            ["set-cookie", "scoped=1; Path=/admin"],
            ["set-cookie", "brief=1; Path=/; Max-Age=0"],
          ],
        });
      return new Response(req.headers.get("cookie") ?? "");
    });
    await using http = new HttpClient({ baseURL: site.url });
    await http.get("/login");
    expect(await (await http.get("/admin/panel")).text()).toBe("scoped=1");
    expect(await (await http.get("/public")).text()).toBe("");
  });
});
