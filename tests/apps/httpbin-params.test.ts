/**
 * httpbin's numbers in paths and queries, as python-httpbin reads them: a count in the path is
 * digits or the route does not match (404); a malformed query number is a 400 that says which
 * and why (python answers those with a 500).
 */
import { describe, expect, it } from "bun:test";
import { createHttpbin } from "../../apps/httpbin/index.ts";
import { decimal, integer, seconds } from "../../apps/httpbin/params.ts";
import { requestRange } from "../../apps/httpbin/routes/bytes.ts";

const httpbin = createHttpbin();
const req = (path: string, init?: RequestInit) => httpbin.fetch(new Request(`http://httpbin.test${path}`, init));

/** The 400 a bad number gets, as [status, media type, text]. */
const refusal = async (path: string) => {
  const res = await req(path);
  return [res.status, res.headers.get("content-type"), await res.text()];
};

describe("httpbin's counts in paths", () => {
  it("are digits, or the route does not match: 404, as python-httpbin's <int:n>", async () => {
    for (const path of [
      "/stream/abc",
      "/stream/-1",
      "/stream/abc/3",
      "/bytes/abc",
      "/bytes/1.5",
      "/stream-bytes/abc",
      "/range/abc",
      "/range/-5",
      "/cache/abc",
      "/redirect/abc",
      "/relative-redirect/-1",
      "/absolute-redirect/x",
      "/links/abc",
      "/links/3/x",
    ])
      expect([path, (await req(path)).status]).toEqual([path, 404]);
  });

  it("still serve the well-formed ones", async () => {
    expect((await req("/stream/2")).status).toBe(200);
    expect(new Uint8Array(await (await req("/bytes/7")).arrayBuffer()).length).toBe(7);
    expect((await req("/cache/30")).headers.get("cache-control")).toBe("public, max-age=30");
    expect((await req("/redirect/2")).headers.get("location")).toBe("/relative-redirect/1");
  });

  it("refuse /range/0 and sizes past the cap with python-httpbin's 404 and reason", async () => {
    for (const path of ["/range/0", "/range/10485761"]) {
      const res = await req(path);
      expect([res.status, await res.text()]).toEqual([404, "number of bytes must be in the range (0, 10485760]"]);
      expect(res.headers.get("accept-ranges")).toBe("bytes");
    }
  });

  it("refuse /redirect/0 with a 400 that gives the range (python: an assertion's 500)", async () => {
    const res = await req("/redirect/0");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "n must be a whole number from 1 to 100" });
  });
});

describe("httpbin's malformed numbers", () => {
  it("are a 400 naming the parameter, where python-httpbin answers 500", async () => {
    const plain = "text/plain; charset=UTF-8";
    expect(await refusal("/delay/abc")).toEqual([400, plain, "delay must be a number of seconds, 0 or more"]);
    expect(await refusal("/delay/-1")).toEqual([400, plain, "delay must be a number of seconds, 0 or more"]);
    expect(await refusal("/drip?code=abc")).toEqual([400, plain, "code must be a whole number"]);
    expect(await refusal("/drip?numbytes=1.5")).toEqual([400, plain, "numbytes must be a whole number"]);
    expect(await refusal("/drip?duration=x")).toEqual([400, plain, "duration must be a number of seconds, 0 or more"]);
    expect(await refusal("/drip?duration=-1")).toEqual([400, plain, "duration must be a number of seconds, 0 or more"]);
    expect(await refusal("/drip?delay=soon")).toEqual([400, plain, "delay must be a number"]);
    expect(await refusal("/drip?code=700")).toEqual([400, plain, "code must be from 200 to 599"]);
    expect(await refusal("/bytes/4?seed=abc")).toEqual([400, plain, "seed must be a whole number"]);
    expect(await refusal("/stream-bytes/4?chunk_size=big")).toEqual([400, plain, "chunk_size must be a whole number"]);
    expect(await refusal("/range/10?chunk_size=x")).toEqual([400, plain, "chunk_size must be a whole number"]);
    expect(await refusal("/range/10?duration=-1")).toEqual([
      400,
      plain,
      "duration must be a number of seconds, 0 or more",
    ]);
  });

  it("refuse a drip of no bytes as python-httpbin does: 400, number of bytes must be positive", async () => {
    for (const n of ["-1", "0"]) {
      const res = await req(`/drip?numbytes=${n}`);
      expect([res.status, await res.text()]).toEqual([400, "number of bytes must be positive"]);
    }
  });

  it("take what Python's int() and float() take: a sign, spaces, exponents; a negative drip delay is none", async () => {
    expect(await (await req("/drip?numbytes=+2&duration=0&delay=-1")).text()).toBe("**");
    expect((await req("/delay/1e-2")).status).toBe(200);
    expect((await req("/bytes/4?seed=-3")).status).toBe(200);
    expect(integer(" 12 ", "n", 0)).toBe(12);
    expect(integer(undefined, "n", 5)).toBe(5);
    expect(decimal(".5", "d", 0)).toBe(0.5);
    expect(seconds("2.", "s", 0)).toBe(2);
    expect(() => decimal("inf", "d", 0)).toThrow();
    expect(() => seconds("nan", "s", 0)).toThrow();
  });
});

describe("httpbin's reading of Range", () => {
  it("is python-httpbin's: one range, a list read as its first start to the end, nonsense as the whole", () => {
    expect(requestRange(undefined, 10)).toEqual([0, 9]);
    expect(requestRange("bytes=2-5", 10)).toEqual([2, 5]);
    expect(requestRange("bytes=-3", 10)).toEqual([7, 9]);
    expect(requestRange("bytes=4-", 10)).toEqual([4, 9]);
    expect(requestRange("bytes=0-1,3-4", 10)).toEqual([0, 9]);
    expect(requestRange("bytes=2-3,5-6", 10)).toEqual([2, 9]);
    expect(requestRange("bytes=abc", 10)).toEqual([0, 9]);
    expect(requestRange("items=0-1", 10)).toEqual([0, 9]);
    expect(requestRange("bytes= 3 - 4", 10)).toEqual([3, 4]);
    expect(requestRange("bytes=-0", 10)).toEqual([10, 9]); // unsatisfiable: a 416
  });

  it("takes a last byte past the end as the end (RFC 9110 §14.1.2), where python-httpbin answers 416", () => {
    expect(requestRange("bytes=5-100", 10)).toEqual([5, 9]);
  });
});
