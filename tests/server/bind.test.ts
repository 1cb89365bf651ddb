/** `bind` entries as users write them, turned into the addresses Bun.serve listens on and the URLs we log. */
import { describe, expect, it } from "bun:test";
import { DEFAULT_PORT, parseBind, urlOf } from "../../src/server/bind.ts";

describe("parseBind", () => {
  it("reads HOST:PORT", () => {
    expect(parseBind("127.0.0.1:8080")).toEqual({ hostname: "127.0.0.1", port: 8080 });
    expect(parseBind("localhost:3000")).toEqual({ hostname: "localhost", port: 3000 });
  });

  it("listens on every interface for :PORT", () => {
    expect(parseBind(":9000")).toEqual({ hostname: "0.0.0.0", port: 9000 });
  });

  it("uses port 8060 when only a host is given", () => {
    expect(DEFAULT_PORT).toBe(8060);
    expect(parseBind("example.local")).toEqual({ hostname: "example.local", port: 8060 });
  });

  it("keeps port 0, which lets the first worker pick a free port", () => {
    expect(parseBind("127.0.0.1:0")).toEqual({ hostname: "127.0.0.1", port: 0 });
    expect(parseBind(":0")).toEqual({ hostname: "0.0.0.0", port: 0 });
  });

  it("reads bracketed IPv6 addresses, with or without a port", () => {
    expect(parseBind("[::1]:8081")).toEqual({ hostname: "::1", port: 8081 });
    expect(parseBind("[::]")).toEqual({ hostname: "::", port: 8060 });
  });

  it("ignores the spaces around an entry of a comma separated list", () => {
    expect(parseBind("  127.0.0.1:81 ")).toEqual({ hostname: "127.0.0.1", port: 81 });
  });
});

describe("parseBind on a bad entry", () => {
  it("refuses an unbracketed IPv6 address instead of listening everywhere", () => {
    expect(() => parseBind("::1")).toThrow("is not HOST:PORT");
  });
});

describe("urlOf", () => {
  it("writes http or https URLs", () => {
    expect(urlOf({ hostname: "127.0.0.1", port: 8060 }, false)).toBe("http://127.0.0.1:8060");
    expect(urlOf({ hostname: "localhost", port: 8443 }, true)).toBe("https://localhost:8443");
  });

  it("brackets IPv6 hosts so that the URL can be fetched", () => {
    const url = urlOf(parseBind("[::1]:8081"), false);
    expect(url).toBe("http://[::1]:8081");
    expect(new URL(url).port).toBe("8081");
  });

  it("round-trips through parseBind", () => {
    for (const entry of ["127.0.0.1:1", "[::1]:2", "0.0.0.0:3"]) {
      const url = new URL(urlOf(parseBind(entry), false));
      expect(`${url.hostname}:${url.port}`).toBe(entry);
    }
  });
});
