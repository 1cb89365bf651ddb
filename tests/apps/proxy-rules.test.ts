import { describe, expect, it } from "bun:test";
import { forwardRequestFields, forwardResponseFields, isUpgrade, viaHasUs } from "../../apps/proxy/headers.ts";
import { authorized, hostMatches, parseAuthority, refusedHost } from "../../apps/proxy/policy.ts";
import { Upstreams } from "../../apps/proxy/upstreams.ts";

describe("proxy header rules", () => {
  const sent: [string, string][] = [
    ["host", "client-said"],
    ["connection", "keep-alive, X-Secret"],
    ["x-secret", "1"],
    ["proxy-connection", "keep-alive"],
    ["keep-alive", "timeout=5"],
    ["te", "trailers, deflate"],
    ["trailer", "x-t"],
    ["transfer-encoding", "chunked"],
    ["upgrade", "h2c"],
    ["proxy-authorization", "Basic eDp5"],
    ["accept", "*/*"],
    ["via", "1.0 other"],
    ["x-forwarded-for", "10.0.0.1"],
  ];

  it("removes every hop-by-hop field and those Connection names, keeping TE: trailers", () => {
    const out = forwardRequestFields(sent, { via: "us", client: "127.0.0.1", host: "origin.test:81" });
    expect(out).toEqual([
      ["host", "origin.test:81"],
      ["accept", "*/*"],
      ["te", "trailers"],
      ["via", "1.0 other, 1.1 us"],
      ["x-forwarded-for", "10.0.0.1, 127.0.0.1"],
    ]);
  });

  it("drops TE entirely when it does not ask for trailers, and starts Via and X-Forwarded-For", () => {
    const out = forwardRequestFields([["te", "gzip"]], { via: "us", client: "::1" });
    expect(out).toEqual([
      ["via", "1.1 us"],
      ["x-forwarded-for", "::1"],
    ]);
  });

  it("keeps Upgrade and Connection: upgrade for a websocket handshake", () => {
    const ws: [string, string][] = [
      ["connection", "Upgrade"],
      ["upgrade", "websocket"],
      ["sec-websocket-key", "k"],
    ];
    expect(isUpgrade(ws)).toBe(true);
    expect(isUpgrade([["upgrade", "websocket"]])).toBe(false);
    const out = forwardRequestFields(ws, { via: "us", client: "c", upgrade: true });
    expect(out).toContainEqual(["connection", "upgrade"]);
    expect(out).toContainEqual(["upgrade", "websocket"]);
    expect(out).toContainEqual(["sec-websocket-key", "k"]);
  });

  it("recognises our own Via pseudonym as a loop, and only ours", () => {
    expect(viaHasUs([["via", "1.0 a, 1.1 us (pulsar)"]], "us")).toBe(true);
    expect(viaHasUs([["via", "1.1 usual"]], "us")).toBe(false);
  });

  it("strips hop-by-hop fields from responses and appends Via, keeping each Set-Cookie", () => {
    const h = new Headers([
      ["connection", "close, x-hop"],
      ["x-hop", "1"],
      ["keep-alive", "timeout=1"],
      ["transfer-encoding", "chunked"],
      ["content-length", "5"],
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["via", "1.1 origin"],
    ]);
    // A fetch Response's headers, spread as relayResponse does: each Set-Cookie stays its own field.
    expect(forwardResponseFields([...(h as unknown as Iterable<[string, string]>)], "us")).toEqual([
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["via", "1.1 origin, 1.1 us"],
    ]);
  });
});

describe("proxy policy", () => {
  it("matches exact hosts, subdomain patterns and *", () => {
    expect(hostMatches("Example.COM", "example.com")).toBe(true);
    expect(hostMatches("a.example.com", "*.example.com")).toBe(true);
    expect(hostMatches("example.com", "*.example.com")).toBe(false);
    expect(hostMatches("b.a.example.com", ".example.com")).toBe(true);
    expect(hostMatches("anything", "*")).toBe(true);
  });

  it("lets deny win over allow, and a non-empty allow list restrict", () => {
    expect(refusedHost("a.test", [], [])).toBeUndefined();
    expect(refusedHost("a.test", ["*.test"], ["a.test"])).toBe("host a.test is denied by deny_hosts");
    expect(refusedHost("b.other", ["*.test"], [])).toBe("host b.other is not in allow_hosts");
  });

  it("checks Basic proxy credentials exactly", () => {
    const good = `Basic ${btoa("user:pw")}`;
    expect(authorized(good, "user:pw")).toBe(true);
    expect(authorized(`Basic ${btoa("user:px")}`, "user:pw")).toBe(false);
    expect(authorized("Bearer xyz", "user:pw")).toBe(false);
    expect(authorized(undefined, "user:pw")).toBe(false);
  });

  it("reads CONNECT authorities, IPv6 included, and refuses the rest", () => {
    expect(parseAuthority("example.com:443")).toEqual({ host: "example.com", port: 443 });
    expect(parseAuthority("[::1]:8443")).toEqual({ host: "::1", port: 8443 });
    expect(parseAuthority("example.com")).toBeUndefined();
    expect(parseAuthority("example.com:0")).toBeUndefined();
    expect(parseAuthority("example.com:99999")).toBeUndefined();
    expect(parseAuthority("http://example.com:443")).toBeUndefined();
  });
});

describe("reverse-proxy upstreams", () => {
  it("takes turns, skips one marked down until it is due again", () => {
    const pool = new Upstreams(["http://a:1", "http://b:1", "http://c:1"], 1000);
    expect([0, 0, 0, 0].map(() => pool.next(0).url.host)).toEqual(["a:1", "b:1", "c:1", "a:1"]);
    pool.markDown(pool.all[1] as never, 0);
    expect([0, 0, 0].map(() => pool.next(10).url.host)).toEqual(["c:1", "a:1", "c:1"]);
    expect(pool.next(2000).url.host).toBe("a:1");
    expect(pool.next(2000).url.host).toBe("b:1");
  });

  it("still tries the least recently failed when every upstream is down", () => {
    const pool = new Upstreams(["http://a:1", "http://b:1"], 1000);
    pool.markDown(pool.all[0] as never, 5);
    pool.markDown(pool.all[1] as never, 0);
    expect(pool.next(10).url.host).toBe("b:1");
  });
});
