/** `poolSize`: the cap on requests in flight per origin, counted by the origin itself (httpbin behind a counter). */
import { afterAll, afterEach, describe, expect, it } from "bun:test";
import { createHttpbin } from "../../apps/httpbin/index.ts";
import { HttpClient } from "../../src/index.ts";
import { serve } from "./httpbin-server.ts";

/** httpbin that counts the requests it is handling, the most at once, and the paths it saw. */
function countingHttpbin() {
  const service = createHttpbin();
  const seen = { now: 0, most: 0, paths: [] as string[] };
  const served = serve(async (req, server) => {
    seen.now++;
    seen.most = Math.max(seen.most, seen.now);
    seen.paths.push(new URL(req.url).pathname);
    try {
      return await service.fetch(req, server);
    } finally {
      seen.now--;
    }
  });
  return { ...served, seen };
}

const bin = countingHttpbin();
const other = countingHttpbin();
afterAll(async () => {
  await bin[Symbol.asyncDispose]();
  await other[Symbol.asyncDispose]();
});
afterEach(() => {
  for (const s of [bin.seen, other.seen]) Object.assign(s, { now: 0, most: 0, paths: [] });
});

describe("poolSize", () => {
  it("never has more than poolSize requests in flight at an origin; the rest wait and all complete", async () => {
    await using http = new HttpClient({ baseURL: bin.url, poolSize: 4 });
    const all = await Promise.all(Array.from({ length: 40 }, () => http.get("/delay/1")));
    expect(all.map((r) => r.status)).toEqual(Array(40).fill(200));
    expect(bin.seen.most).toBe(4);
    expect(bin.seen.paths.length).toBe(40);
  });

  it("has no cap by default, as Bun's fetch", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    await Promise.all(Array.from({ length: 12 }, () => http.get("/delay/0.3")));
    expect(bin.seen.most).toBe(12);
  });

  it("counts each origin apart, and a redirect chain needs one slot at a time", async () => {
    await using http = new HttpClient({ poolSize: 1 });
    const slow = http.get(`${bin.url}/delay/1`);
    const fast = await http.get(`${other.url}/get`);
    expect(fast.status).toBe(200);
    expect(bin.seen.now).toBe(1); // the slow one is still in flight: the other origin did not wait for it
    const hops = await http.get(`${bin.url}/redirect/3`);
    expect(hops.history.length).toBe(3);
    expect((await slow).status).toBe(200);
  });

  it("fails a request whose timeout or signal fires while it waits, as usual, and takes it out of the line", async () => {
    await using http = new HttpClient({ baseURL: bin.url, poolSize: 1 });
    const first = http.get("/delay/1");
    const timedOut = http.get("/anything/timed-out", { timeout: 200 });
    const stop = new AbortController();
    const aborted = http.get("/anything/aborted", { signal: stop.signal });
    const last = http.get("/anything/last");
    await expect(timedOut).rejects.toMatchObject({
      code: "E_HTTP_TIMEOUT",
      message: `GET ${bin.url}/anything/timed-out: no answer within 200 ms`,
    });
    stop.abort();
    await expect(aborted).rejects.toMatchObject({
      code: "E_HTTP_REQUEST",
      message: `GET ${bin.url}/anything/aborted: aborted`,
    });
    expect([(await first).status, (await last).status]).toEqual([200, 200]);
    expect(bin.seen.paths).toEqual(["/delay/1", "/anything/last"]);
    expect(bin.seen.most).toBe(1);
  });

  it("keeps a streamed response's slot until its body is read, or its request aborted", async () => {
    await using http = new HttpClient({ baseURL: bin.url, poolSize: 1 });
    const streamed = await http.get("/stream/2", { stream: true });
    await expect(http.get("/get", { timeout: 200 })).rejects.toMatchObject({ code: "E_HTTP_TIMEOUT" });
    expect((await streamed.text()).split("\n").filter(Boolean).length).toBe(2);
    expect((await http.get("/get")).status).toBe(200);

    const stop = new AbortController();
    await http.get("/stream/2", { stream: true, signal: stop.signal }); // never read
    const next = http.get("/get");
    stop.abort();
    expect((await next).status).toBe(200);
  });

  it("takes a whole number above 0, or Infinity", () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => new HttpClient({ poolSize: bad })).toThrow(
        /invalid poolSize .*: a whole number above 0, or Infinity/,
      );
    expect(new HttpClient({ poolSize: Number.POSITIVE_INFINITY })).toBeInstanceOf(HttpClient);
  });
});
