/** httpbin's routes, in-process with app.request(): shapes, codes and headers as httpbin.org has them. */
import { describe, expect, it } from "bun:test";
import { gunzipSync } from "node:zlib";
import { createHttpbin } from "../../apps/httpbin/index.ts";
import { titleCase } from "../../apps/httpbin/info.ts";
import { pickStatus } from "../../apps/httpbin/routes/status.ts";

const httpbin = createHttpbin({ redirectHosts: ["example.org"] });
const req = (path: string, init?: RequestInit) => httpbin.fetch(new Request(`http://httpbin.test${path}`, init));
const json = async (path: string, init?: RequestInit) =>
  (await req(path, init)).json() as Promise<Record<string, unknown>>;

describe("httpbin echo routes", () => {
  it("answers /get with args (repeated keys as arrays), Title-Case headers, origin and url", async () => {
    const body = await json("/get?a=1&a=2&b=x", { headers: { "x-thing": "yes" } });
    expect(body.args).toEqual({ a: ["1", "2"], b: "x" });
    expect((body.headers as Record<string, string>)["X-Thing"]).toBe("yes");
    expect(body.url).toBe("http://httpbin.test/get?a=1&a=2&b=x");
    expect(Object.keys(body).sort()).toEqual(["args", "headers", "origin", "url"]);
  });

  it("adds data, files, form and json on /post, parsing JSON", async () => {
    const body = await json("/post", {
      method: "POST",
      body: '{"k":[1,2]}',
      headers: { "content-type": "application/json" },
    });
    expect(body).toMatchObject({ data: '{"k":[1,2]}', json: { k: [1, 2] }, form: {}, files: {} });
  });

  it("parses urlencoded and multipart forms, with files", async () => {
    const form = await json("/post", { method: "POST", body: new URLSearchParams("a=1&a=2&b=3") });
    expect(form.form).toEqual({ a: ["1", "2"], b: "3" });
    const data = new FormData();
    data.append("name", "ada");
    data.append("upload", new File(["hello file"], "h.txt", { type: "text/plain" }));
    const multi = await json("/put", { method: "PUT", body: data });
    expect(multi.form).toEqual({ name: "ada" });
    expect(multi.files).toEqual({ upload: "hello file" });
  });

  it("turns a non-UTF-8 body into a base64 data URL", async () => {
    const body = await json("/patch", { method: "PATCH", body: new Uint8Array([0xff, 0xfe, 0x00]) });
    expect(body.data).toBe("data:application/octet-stream;base64,//4A");
  });

  it("echoes any method and path on /anything, with the method", async () => {
    const body = await json("/anything/deep/path?x=1", { method: "DELETE" });
    expect(body.method).toBe("DELETE");
    expect(body.url).toBe("http://httpbin.test/anything/deep/path?x=1");
  });

  it("inspects headers, user-agent and uuid", async () => {
    expect((await json("/user-agent", { headers: { "user-agent": "tester/1" } }))["user-agent"]).toBe("tester/1");
    expect((await json("/uuid")).uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("shows X-Forwarded-For whole as origin, a chain of proxies included, as python-httpbin does", async () => {
    const chain = { headers: { "x-forwarded-for": "10.1.2.3, 10.0.0.1" } };
    expect(await json("/ip", chain)).toEqual({ origin: "10.1.2.3, 10.0.0.1" });
    expect((await json("/get", chain)).origin).toBe("10.1.2.3, 10.0.0.1");
    expect(await json("/ip", { headers: { "x-forwarded-for": "10.1.2.3" } })).toEqual({ origin: "10.1.2.3" });
    // Present but empty is what it says, as headers.get('X-Forwarded-For', remote_addr) has it.
    expect(await json("/ip", { headers: { "x-forwarded-for": "" } })).toEqual({ origin: "" });
  });

  it("title-cases header names as Python's str.title() does: a letter after a digit is upper-cased too", () => {
    // Each pair as python3 -c 'print(name.title())' prints it.
    const python: [string, string][] = [
      ["x-b3-traceid", "X-B3-Traceid"],
      ["x-1abc", "X-1Abc"],
      ["x-1abc-b3x", "X-1Abc-B3X"],
      ["content-md5", "Content-Md5"],
      ["x-a1b2c3", "X-A1B2C3"],
      ["x-9", "X-9"],
      ["x-ALL-CAPS", "X-All-Caps"],
      ["dnt", "Dnt"],
      ["x-_u.s+c", "X-_U.S+C"],
      ["x--double", "X--Double"],
    ];
    for (const [name, title] of python) expect([name, titleCase(name)]).toEqual([name, title]);
  });

  it("echoes headers with digits in their names Title-Cased on /headers", async () => {
    const body = await json("/headers", { headers: { "x-b3-traceid": "t", "x-1abc": "1" } });
    expect(body.headers).toMatchObject({ "X-B3-Traceid": "t", "X-1Abc": "1" });
  });
});

describe("httpbin behind a proxy", () => {
  it("takes url's scheme from X-Forwarded-Proto, -Protocol or -Ssl: on, as python-httpbin does", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ "x-forwarded-proto": "https" }, "https"],
      [{ "x-forwarded-proto": "HTTPS, http" }, "https"], // a chain: the client's side first
      [{ "x-forwarded-protocol": "https" }, "https"],
      [{ "x-forwarded-ssl": "on" }, "https"],
      [{ "x-forwarded-proto": "http", "x-forwarded-ssl": "on" }, "http"],
      [{ "x-forwarded-ssl": "off" }, "http"],
      [{ "x-forwarded-proto": "not a scheme" }, "http"],
      [{ "x-forwarded-host": "elsewhere.test" }, "http"], // python-httpbin ignores it too
    ];
    for (const [headers, scheme] of cases) {
      const expected = `${scheme}://httpbin.test`;
      expect([headers, (await json("/get?a=1", { headers })).url]).toEqual([headers, `${expected}/get?a=1`]);
      expect([headers, (await json("/anything/x", { method: "PUT", headers })).url]).toEqual([
        headers,
        `${expected}/anything/x`,
      ]);
    }
    const routed = await httpbin.app.request("http://httpbin.test/get", { headers: { "x-forwarded-proto": "https" } });
    expect((await routed.json()).url).toBe("https://httpbin.test/get");
  });

  it("hides the proxies' headers from the echoed ones unless the query has show_env, as python-httpbin does", async () => {
    const sent = { "X-Forwarded-For": "10.1.2.3", "x-real-IP": "10.1.2.3", Via: "1.1 lb", "X-Custom": "kept" };
    const env = ["Via", "X-Forwarded-For", "X-Real-Ip"];
    const echoed = async (path: string, init: RequestInit = {}, routed = false) => {
      const full = { ...init, headers: sent };
      const res = routed ? await httpbin.app.request(`http://httpbin.test${path}`, full) : await req(path, full);
      const body = (await res.json()) as { headers: Record<string, string> };
      return Object.keys(body.headers).filter((k) => env.includes(k) || k === "X-Custom");
    };
    for (const [path, init] of [
      ["/get", {}],
      ["/headers", {}],
      ["/anything/x", { method: "PUT", body: "x" }],
      ["/post", { method: "POST", body: "x" }],
    ] as [string, RequestInit][]) {
      for (const routed of [false, true]) {
        expect([path, routed, await echoed(path, init, routed)]).toEqual([path, routed, ["X-Custom"]]);
        // Any value, or none, shows them; the key is case-sensitive, as in Flask's request.args.
        for (const query of ["?show_env=1", "?show_env", "?a=1&show_env=0", "?show%5Fenv="])
          expect([path, query, (await echoed(path + query, init, routed)).sort()]).toEqual([
            path,
            query,
            [...env, "X-Custom"].sort(),
          ]);
        expect([path, await echoed(`${path}?Show_Env=1`, init, routed)]).toEqual([path, ["X-Custom"]]);
      }
    }
    // Python sees X_Real_Ip as X-Real-Ip (WSGI folds `_` into `-`), so that one is hidden too.
    expect((await json("/headers", { headers: { X_Real_Ip: "10.1.2.3" } })).headers).toEqual({});
    // Hidden, they still make origin and url, and the request dump shows the request as it came.
    const got = await json("/get", { headers: { "x-forwarded-for": "10.1.2.3", "x-forwarded-proto": "https" } });
    expect([got.origin, got.url, Object.keys(got.headers as object)]).toEqual([
      "10.1.2.3",
      "https://httpbin.test/get",
      [],
    ]);
    expect(await (await req("/dump/request", { headers: sent })).text()).toContain("X-Forwarded-For: 10.1.2.3");
  });
});

describe("httpbin status and redirects", () => {
  it("answers /status/{code}, with the headers that code needs", async () => {
    expect((await req("/status/404")).status).toBe(404);
    expect((await req("/status/401")).headers.get("www-authenticate")).toBe('Basic realm="Fake Realm"');
    expect((await req("/status/302")).headers.get("location")).toBe("/redirect/1");
    expect((await req("/status/nope")).status).toBe(400);
  });

  it("picks weighted codes by their weights", () => {
    expect(pickStatus("200:0.5,500:0.5", 0.2)).toBe(200);
    expect(pickStatus("200:0.5,500:0.5", 0.7)).toBe(500);
    expect(pickStatus("200:0,418:1", 0.01)).toBe(418);
    expect(pickStatus("99")).toBeNull();
  });

  it("chains /redirect/{n} down to /get, relative or absolute", async () => {
    expect((await req("/redirect/3")).headers.get("location")).toBe("/relative-redirect/2");
    expect((await req("/relative-redirect/1")).headers.get("location")).toBe("/get");
    expect((await req("/redirect/2?absolute=true")).headers.get("location")).toBe(
      "http://httpbin.test/absolute-redirect/1",
    );
  });

  it("follows /redirect-to only to relative URLs and allowed hosts: no open redirect", async () => {
    const rel = await req("/redirect-to?url=/get&status_code=307");
    expect(rel.status).toBe(307);
    expect(rel.headers.get("location")).toBe("/get");
    expect((await req("/redirect-to?url=http://example.org/x")).headers.get("location")).toBe("http://example.org/x");
    expect((await req("/redirect-to?url=http://evil.com/")).status).toBe(403);
  });
});

describe("httpbin cookies and auth", () => {
  it("reads, sets and deletes cookies", async () => {
    expect(await json("/cookies", { headers: { cookie: "a=1; b=2" } })).toEqual({ cookies: { a: "1", b: "2" } });
    const set = await req("/cookies/set?k=v");
    expect(set.status).toBe(302);
    expect(set.headers.get("set-cookie")).toBe("k=v; Path=/");
    expect((await req("/cookies/set/n/m")).headers.get("set-cookie")).toBe("n=m; Path=/");
    expect((await req("/cookies/delete?k")).headers.get("set-cookie")).toContain("k=; Max-Age=0");
  });

  it("challenges and accepts basic auth, and hides the challenge on hidden-basic-auth", async () => {
    const auth = { authorization: `Basic ${btoa("u:p")}` };
    expect((await req("/basic-auth/u/p")).status).toBe(401);
    expect(await json("/basic-auth/u/p", { headers: auth })).toEqual({ authenticated: true, user: "u" });
    expect((await req("/hidden-basic-auth/u/p")).status).toBe(404);
    expect((await req("/hidden-basic-auth/u/p", { headers: auth })).status).toBe(200);
  });

  it("takes a bearer token", async () => {
    expect((await req("/bearer")).status).toBe(401);
    expect(await json("/bearer", { headers: { authorization: "Bearer t0k" } })).toEqual({
      authenticated: true,
      token: "t0k",
    });
  });

  it("verifies a digest answer computed as a client would (MD5, qop=auth)", async () => {
    const challenge = (await req("/digest-auth/auth/u/p")).headers.get("www-authenticate") as string;
    const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] as string;
    const md5 = (s: string) => new Bun.CryptoHasher("md5").update(s).digest("hex");
    const [uri, nc, cnonce] = ["/digest-auth/auth/u/p", "00000001", "abc"];
    const response = md5(`${md5("u:me@kennethreitz.com:p")}:${nonce}:${nc}:${cnonce}:auth:${md5(`GET:${uri}`)}`);
    const header = `Digest username="u", realm="me@kennethreitz.com", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
    expect(await json(uri, { headers: { authorization: header } })).toEqual({ authenticated: true, user: "u" });
    expect((await req(uri, { headers: { authorization: header.replace(response, "0".repeat(32)) } })).status).toBe(401);
  });

  it("says stale=TRUE once a nonce was used stale_after times", async () => {
    const uri = "/digest-auth/auth/u/p/MD5/1";
    const nonce = /nonce="([^"]+)"/.exec((await req(uri)).headers.get("www-authenticate") as string)?.[1] as string;
    const md5 = (s: string) => new Bun.CryptoHasher("md5").update(s).digest("hex");
    const answer = (nc: string) => {
      const response = md5(`${md5("u:me@kennethreitz.com:p")}:${nonce}:${nc}:c:auth:${md5(`GET:${uri}`)}`);
      return `Digest username="u", realm="me@kennethreitz.com", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="c", response="${response}"`;
    };
    expect((await req(uri, { headers: { authorization: answer("00000001") } })).status).toBe(200);
    const stale = await req(uri, { headers: { authorization: answer("00000002") } });
    expect(stale.status).toBe(401);
    expect(stale.headers.get("www-authenticate")).toContain("stale=TRUE");
  });

  it("verifies SHA-512 digests, as python-httpbin does", async () => {
    const uri = "/digest-auth/auth/u/p/SHA-512";
    const challenge = (await req(uri)).headers.get("www-authenticate") as string;
    expect(challenge).toContain("algorithm=SHA-512");
    const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] as string;
    const sha = (s: string) => new Bun.CryptoHasher("sha512").update(s).digest("hex");
    const response = sha(`${sha("u:me@kennethreitz.com:p")}:${nonce}:00000001:xyz:auth:${sha(`GET:${uri}`)}`);
    const header = `Digest username="u", realm="me@kennethreitz.com", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="xyz", response="${response}", algorithm=SHA-512`;
    expect(await json(uri, { headers: { authorization: header } })).toEqual({ authenticated: true, user: "u" });
  });

  it("offers both qops when the path's qop is neither auth nor auth-int, as python-httpbin does", async () => {
    const challenge = (await req("/digest-auth/bad/u/p")).headers.get("www-authenticate");
    expect(challenge).toContain('qop="auth, auth-int"');
  });

  it("verifies SHA-256 digests with qop=auth-int, which hashes the body too", async () => {
    const uri = "/digest-auth/auth-int/u/p/SHA-256";
    const challenge = (await req(uri)).headers.get("www-authenticate") as string;
    expect(challenge).toContain("algorithm=SHA-256");
    const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] as string;
    const sha = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest("hex");
    const ha2 = sha(`GET:${uri}:${sha("")}`);
    const response = sha(`${sha("u:me@kennethreitz.com:p")}:${nonce}:00000001:xyz:auth-int:${ha2}`);
    const header = `Digest username="u", realm="me@kennethreitz.com", nonce="${nonce}", uri="${uri}", qop=auth-int, nc=00000001, cnonce="xyz", response="${response}", algorithm=SHA-256`;
    expect(await json(uri, { headers: { authorization: header } })).toEqual({ authenticated: true, user: "u" });
  });
});

describe("httpbin bytes and streams", () => {
  it("gives reproducible /bytes with a seed", async () => {
    const a = new Uint8Array(await (await req("/bytes/64?seed=7")).arrayBuffer());
    const b = new Uint8Array(await (await req("/bytes/64?seed=7")).arrayBuffer());
    expect(a.length).toBe(64);
    expect(a).toEqual(b);
  });

  it("streams n JSON lines on /stream/{n} and n chunks of m bytes on /stream/{m}/{n}", async () => {
    const lines = (await (await req("/stream/3")).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual([0, 1, 2]);
    expect(await (await req("/stream/4/3")).text()).toBe("a".repeat(12));
    expect((await (await req("/stream-bytes/5000?chunk_size=1000")).arrayBuffer()).byteLength).toBe(5000);
  });

  it("honours Range on /range/{n}: 206, 416, Accept-Ranges and ETag", async () => {
    const full = await req("/range/26");
    expect(await full.text()).toBe("abcdefghijklmnopqrstuvwxyz");
    expect(full.headers.get("accept-ranges")).toBe("bytes");
    expect(full.headers.get("etag")).toBe("range26");
    const part = await req("/range/26", { headers: { range: "bytes=2-5" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 2-5/26");
    expect(await part.text()).toBe("cdef");
    expect(await (await req("/range/26", { headers: { range: "bytes=-3" } })).text()).toBe("xyz");
    expect((await req("/range/26", { headers: { range: "bytes=30-40" } })).status).toBe(416);
  });

  it("sends Content-Range on a 200 too, and answers a list of ranges as python-httpbin does", async () => {
    const full = await req("/range/10");
    expect([full.status, full.headers.get("content-range")]).toEqual([200, "bytes 0-9/10"]);
    const list = await req("/range/10", { headers: { range: "bytes=0-1,3-4" } });
    expect([list.status, list.headers.get("content-range"), await list.text()]).toEqual([
      200,
      "bytes 0-9/10",
      "abcdefghij",
    ]);
  });

  it("streams /range in chunk_size pieces spread over duration", async () => {
    const t0 = performance.now();
    const res = await req("/range/100?chunk_size=30&duration=0.3", { headers: { range: "bytes=0-99" } });
    const sizes: number[] = [];
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) sizes.push(r.value.length);
    // [30, 30, 30, 10], unless a busy machine let two come due together (then they go as one).
    expect(sizes.reduce((a, b) => a + b)).toBe(100);
    expect(sizes.map((size, i) => size % 30 === (i === sizes.length - 1 ? 10 : 0))).not.toContain(false);
    expect(sizes.length).toBeGreaterThan(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    expect(res.headers.get("content-length")).toBe("100");
  });

  it("clamps /delay to its cap and answers after the delay", async () => {
    const t0 = performance.now();
    expect((await req("/delay/0.2")).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it("drips numbytes over the duration with the asked code", async () => {
    const res = await req("/drip?duration=0.2&numbytes=5&code=201");
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("*****");
  });

  it("waits the drip's delay before its head, then spreads the bytes over the duration", async () => {
    const t0 = performance.now();
    const res = await req("/drip?numbytes=3&duration=0.3&delay=0.3");
    const head = performance.now() - t0;
    expect(head).toBeGreaterThanOrEqual(280);
    expect(await res.text()).toBe("***");
    expect(performance.now() - t0 - head).toBeGreaterThanOrEqual(180); // two pauses of 0.1 s between three bytes
  });

  it("keeps a drip's duration when its pauses are shorter than a millisecond", async () => {
    const t0 = performance.now();
    const body = await (await req("/drip?numbytes=2000&duration=0.3")).arrayBuffer();
    expect(body.byteLength).toBe(2000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(270); // the last byte is due 1999 pauses of 0.15 ms in
  });
});

describe("httpbin content", () => {
  it("compresses /gzip and says so", async () => {
    const res = await req("/gzip");
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(JSON.parse(gunzipSync(new Uint8Array(await res.arrayBuffer())).toString()).gzipped).toBe(true);
  });

  it("answers 304 on /cache with a validator, and /etag with 304 and 412", async () => {
    expect((await req("/cache", { headers: { "if-none-match": "x" } })).status).toBe(304);
    expect((await req("/cache")).headers.get("last-modified")).toBeTruthy();
    expect((await req("/cache/60")).headers.get("cache-control")).toBe("public, max-age=60");
    expect((await req("/etag/abc", { headers: { "if-none-match": '"abc"' } })).status).toBe(304);
    expect((await req("/etag/abc", { headers: { "if-match": '"other"' } })).status).toBe(412);
    expect((await req("/etag/abc")).headers.get("etag")).toBe("abc"); // httpbin.org sends the tag as given
  });

  it("sets the asked response headers and decodes base64", async () => {
    const res = await req("/response-headers?x-a=1&x-a=2&server=me");
    expect(res.headers.get("x-a")).toBe("1, 2");
    expect(await res.json()).toMatchObject({ "x-a": ["1", "2"], server: "me" });
    const original = await req("/response_headers?x-b=3", { method: "POST" }); // the original pulsar's name
    expect(original.headers.get("x-b")).toBe("3");
    expect(await original.json()).toMatchObject({ "x-b": "3" });
    expect(await (await req("/base64/SFRUUEJJTiBpcyBhd2Vzb21l")).text()).toBe("HTTPBIN is awesome");
    expect((await req("/base64/!!!")).status).toBe(400);
  });

  it("serves the fixed documents with their types", async () => {
    expect((await req("/html")).headers.get("content-type")).toStartWith("text/html");
    expect((await req("/xml")).headers.get("content-type")).toBe("application/xml");
    expect(((await json("/json")).slideshow as { title: string }).title).toBe("Sample Slide Show");
    expect(await (await req("/robots.txt")).text()).toBe("User-agent: *\nDisallow: /deny\n");
    expect(await (await req("/plaintext")).text()).toBe("Hello, World!");
    expect((await (await req("/links/3/1")).text()).match(/<a /g)?.length).toBe(2);
  });

  it("answers 417 on /expect with Expect: 100-continue", async () => {
    expect((await req("/expect", { method: "POST", headers: { expect: "100-continue" }, body: "x" })).status).toBe(417);
  });

  it("answers CORS preflights on every route, and on paths no route serves", async () => {
    const preflight = { origin: "http://a.test", "access-control-request-method": "POST" };
    const res = await req("/post", { method: "OPTIONS", headers: preflight });
    expect([res.status, res.headers.get("allow")]).toEqual([200, "POST, OPTIONS"]);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://a.test");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    const nowhere = await req("/no/such/route", { method: "OPTIONS", headers: preflight });
    expect([nowhere.status, nowhere.headers.get("access-control-allow-origin")]).toEqual([204, "http://a.test"]);
  });

  it("answers fixed documents with the caller's origin, or * without one", async () => {
    expect((await req("/json")).headers.get("access-control-allow-origin")).toBe("*");
    const res = await req("/json", { headers: { origin: "http://b.test" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("http://b.test");
    expect((await req("/json")).headers.get("access-control-allow-origin")).toBe("*");
    expect((await req("/get")).headers.get("content-type")).toBe("application/json");
  });

  it("lists the routes on the landing page", async () => {
    const page = await (await req("/")).text();
    for (const route of ["/get", "/digest-auth", "/range/{n}", "/stream-bytes"]) expect(page).toContain(route);
  });
});

describe("httpbin's methods", () => {
  it("answers a method the path is not served with 405 and Allow, as python-httpbin does", async () => {
    for (const [method, path, allow] of [
      ["DELETE", "/get", "GET, HEAD, OPTIONS"],
      ["GET", "/post", "POST, OPTIONS"],
      ["HEAD", "/post", "POST, OPTIONS"],
      ["POST", "/cache", "GET, HEAD, OPTIONS"],
      ["DELETE", "/response-headers", "GET, HEAD, POST, OPTIONS"],
      ["POST", "/websocket/echo", "GET, HEAD, OPTIONS"],
      ["PUT", "/json", "GET, HEAD, OPTIONS"],
    ]) {
      const res = await req(path as string, { method });
      expect([method, path, res.status, res.headers.get("allow")]).toEqual([method, path, 405, allow]);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
    }
  });

  it("answers a plain OPTIONS with 200 and Allow where the path is served, 404 where it is not", async () => {
    const get = await req("/get", { method: "OPTIONS" });
    expect([get.status, get.headers.get("allow"), await get.text()]).toEqual([200, "GET, HEAD, OPTIONS", ""]);
    const anything = await req("/anything/x", { method: "OPTIONS" });
    expect(anything.headers.get("allow")).toBe("GET, HEAD, POST, PUT, PATCH, DELETE, TRACE, OPTIONS");
    expect((await req("/no/such/route", { method: "OPTIONS" })).status).toBe(404);
    expect((await req("/no/such/route", { method: "POST" })).status).toBe(404);
  });

  it("answers a websocket route asked without a handshake with 400 saying why, not 404", async () => {
    const plain = await req("/websocket/echo");
    expect([plain.status, await plain.text()]).toEqual([
      400,
      "Bad Request: this is a websocket route: the request needs Upgrade: websocket\n",
    ]);
    const noKey = await req("/graph-data", { headers: { upgrade: "websocket", connection: "Upgrade" } });
    expect([noKey.status, await noKey.text()]).toEqual([
      400,
      "Bad Request: the websocket handshake has no Sec-WebSocket-Key\n",
    ]);
  });
});

describe("httpbin images, events and uploads", () => {
  it("serves each image kind, picks one by Accept, and refuses what it cannot give with 406", async () => {
    for (const [kind, type] of [
      ["png", "image/png"],
      ["jpeg", "image/jpeg"],
      ["webp", "image/webp"],
      ["svg", "image/svg+xml"],
    ]) {
      const res = await req(`/image/${kind}`);
      expect(res.headers.get("content-type")).toBe(type as string);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect((await req("/image", { headers: { accept: "image/webp" } })).headers.get("content-type")).toBe("image/webp");
    expect((await req("/image", { headers: { accept: "text/html" } })).status).toBe(406);
    const png = new Uint8Array(await (await req("/image/png")).arrayBuffer());
    expect([...png.slice(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
  });

  it("sends server-sent events", async () => {
    const res = await req("/sse?count=3&duration=0");
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const events = (await res.text()).trim().split("\n\n");
    expect(events.length).toBe(3);
    expect(events[2]).toContain('"id":2');
    expect(events[0]).toStartWith("event: ping");
  });

  it("takes a multipart upload on PUT /upload, and answers 413 past the body limit", async () => {
    const small = createHttpbin({ bodyLimit: 1000 });
    // Serialized as a client sends it: the multipart bytes and their content type.
    const put = async (form: FormData) => {
      const encoded = new Response(form);
      const headers = { "content-type": encoded.headers.get("content-type") as string };
      return small.fetch(new Request("http://t/upload", { method: "PUT", headers, body: await encoded.arrayBuffer() }));
    };
    const form = new FormData();
    form.append("file", new File(["x".repeat(100)], "x.txt"));
    const ok = await put(form);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { files: Record<string, string> }).files.file).toBe("x".repeat(100));
    const big = new FormData();
    big.append("file", new File(["x".repeat(5000)], "x.txt"));
    expect((await put(big)).status).toBe(413);
  });
});

describe("httpbin's HEAD", () => {
  it("sends the Content-Length the GET would have (RFC 9110 §9.3.2), with no body", async () => {
    using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: httpbin.fetch });
    const headers = { "user-agent": "tester/3" };
    for (const path of [
      "/get?a=1",
      "/anything/x",
      "/headers",
      "/json",
      "/html",
      "/response-headers?k=v",
      "/base64/SFRUUA",
    ]) {
      const get = await fetch(new URL(path, server.url), { headers });
      const length = new Uint8Array(await get.arrayBuffer()).length;
      expect(length).toBeGreaterThan(0);
      const head = await fetch(new URL(path, server.url), { method: "HEAD", headers });
      expect([path, head.status, head.headers.get("content-length")]).toEqual([path, 200, String(length)]);
      expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
      expect(await head.text()).toBe("");
    }
  });

  it("still sees the peer of the HEAD request for origin", async () => {
    const asked: Request[] = [];
    const head = new Request("http://httpbin.test/anything", { method: "HEAD" });
    const server = {
      requestIP: (r: Request) => {
        asked.push(r);
        return r === head ? { address: "10.9.8.7" } : null;
      },
    };
    const res = await httpbin.fetch(head, server);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBe(head);
    // In-process the GET's body is still there: over a socket Bun drops it.
    expect(await res.json()).toMatchObject({ origin: "10.9.8.7", method: "GET", url: "http://httpbin.test/anything" });
  });
});

describe("httpbin's router-free paths", () => {
  it("answers the inspection routes the same with and without the router", async () => {
    const init = { headers: { "user-agent": "tester/2", "x-forwarded-for": "10.9.8.7", "x-thing": "yes" } };
    for (const path of ["/get?a=1&a=2", "/headers", "/ip", "/user-agent"]) {
      const fast = await req(path, init);
      const routed = await httpbin.app.request(`http://httpbin.test${path}`, init);
      expect(fast.headers.get("content-type")).toStartWith("application/json");
      expect(await fast.json()).toEqual(await routed.json());
    }
  });

  it("puts the caller's origin on the inspection routes", async () => {
    const res = await req("/get", { headers: { origin: "http://c.test" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("http://c.test");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("serves the TechEmpower /json when json_shape says so, and the slideshow by default", async () => {
    const te = createHttpbin({ jsonShape: "techempower" });
    const fast = await te.fetch(new Request("http://t/json"));
    expect(await fast.json()).toEqual({ message: "Hello, World!" });
    expect(await (await te.app.request("/json")).json()).toEqual({ message: "Hello, World!" });
    expect(((await json("/json")) as { slideshow: { title: string } }).slideshow.title).toBe("Sample Slide Show");
  });
});
