/** HttpClient against the httpbin app on a real port: verbs, bodies, redirects, streaming, decompression, hooks, keep-alive. */
import { afterAll, describe, expect, it } from "bun:test";
import { HttpClient, type HttpResponse } from "../../src/index.ts";
import { serve, serveHttpbin } from "./httpbin-server.ts";

const bin = serveHttpbin();
afterAll(() => bin[Symbol.asyncDispose]());
type Echo = Record<string, unknown> & {
  headers: Record<string, string>;
  args: Record<string, unknown>;
  method?: string;
};
const echo = (r: HttpResponse) => r.json<Echo>();

describe("HttpClient requests", () => {
  it("joins the baseURL with the path and appends params (repeated for arrays, skipped when null)", async () => {
    await using http = new HttpClient({ baseURL: `${bin.url}/anything/`, params: { session: "s" } });
    const r = await http.get("/deep", { params: { a: 1, b: [true, "x"], c: null } });
    const body = await echo(r);
    expect(body.url).toBe(`${bin.url}/anything/deep?session=s&a=1&b=true&b=x`);
    expect(body.args).toEqual({ session: "s", a: "1", b: ["true", "x"] });
  });

  it("sends every verb with its method", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    for (const verb of ["get", "post", "put", "patch", "delete"] as const) {
      const r = await http[verb]("/anything");
      expect((await echo(r)).method).toBe(verb.toUpperCase());
    }
    // httpbin answers OPTIONS itself, as python-httpbin does: 200, no body, and the methods in Allow.
    const options = await http.options("/anything");
    expect(options.status).toBe(200);
    expect(options.headers.get("allow")).toContain("OPTIONS");
    const head = await http.head("/get");
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const custom = await http.request("propfind", "/anything");
    expect((await echo(custom)).method).toBe("PROPFIND");
  });

  it("sends session headers, overridden per request, and a pulsar user agent", async () => {
    await using http = new HttpClient({ baseURL: bin.url, headers: { "x-team": "core", "x-env": "test" } });
    http.headers.set("x-late", "yes");
    const { headers } = await echo(await http.get("/headers", { headers: { "x-env": "prod" } }));
    expect(headers["X-Team"]).toBe("core");
    expect(headers["X-Env"]).toBe("prod");
    expect(headers["X-Late"]).toBe("yes");
    expect(headers["User-Agent"]).toMatch(/^pulsar\//);
  });

  it("sends json, strings, bytes, form objects and URLSearchParams as httpbin reads them", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const json = await echo(await http.post("/post", { json: { k: [1, 2] } }));
    expect(json.json).toEqual({ k: [1, 2] });
    expect(json.headers["Content-Type"]).toBe("application/json");
    expect((await echo(await http.put("/put", { data: "plain words" }))).data).toBe("plain words");
    const bytes = await echo(await http.patch("/patch", { data: new Uint8Array([0xff, 0xfe, 0]) }));
    expect(bytes.data).toBe("data:application/octet-stream;base64,//4A");
    expect((await echo(await http.post("/post", { data: { a: [1, 2], b: "x" } }))).form).toEqual({
      a: ["1", "2"],
      b: "x",
    });
    expect((await echo(await http.post("/post", { data: new URLSearchParams("q=1") }))).form).toEqual({ q: "1" });
  });

  it("uploads files as multipart, with form fields beside them", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const r = await http.post("/post", {
      data: { title: "two files" },
      files: {
        notes: { content: "hello file", filename: "notes.txt", type: "text/plain" },
        blob: new File([new Uint8Array([104, 105])], "hi.bin"),
      },
    });
    const body = await echo(r);
    expect(body.form).toEqual({ title: "two files" });
    expect(body.files).toEqual({ notes: "hello file", blob: "hi" });
    expect(body.headers["Content-Type"]).toMatch(/^multipart\/form-data; boundary=/);
  });

  it("streams a request body from an async iterable", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    async function* parts() {
      for (const p of ["one,", "two,", "three"]) yield p;
    }
    expect((await echo(await http.post("/post", { data: parts() }))).data).toBe("one,two,three");
  });

  it("refuses json together with data, naming the request", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    await expect(http.post("/post", { json: 1, data: "x" })).rejects.toMatchObject({
      code: "E_HTTP_REQUEST",
      message: `POST ${bin.url}/post: pass json, or data/files, not both`,
    });
  });
  it("refuses a GET or HEAD body with E_HTTP_REQUEST saying that Bun's fetch cannot send one", async () => {
    let reached = 0;
    await using http = new HttpClient({ baseURL: bin.url, hooks: { beforeRequest: [() => void reached++] } });
    for (const [method, opts] of [
      ["GET", { json: { q: 1 } }],
      ["HEAD", { data: "x" }],
      ["get", { files: { f: new Blob(["x"]) } }],
    ] as const) {
      const upper = method.toUpperCase();
      await expect(http.request(method, "/anything", opts)).rejects.toMatchObject({
        code: "E_HTTP_REQUEST",
        message: `${upper} ${bin.url}/anything: Bun's fetch cannot send a body with GET or HEAD; use POST (or another method), or send the values as params`,
      });
    }
    expect(reached).toBe(0);
    expect((await echo(await http.request("QUERY", "/anything", { json: { q: 1 } }))).json).toEqual({ q: 1 });
  });
});

describe("HttpClient redirects", () => {
  it("follows redirects and keeps each hop in history", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const r = await http.get("/redirect/3");
    expect(r.status).toBe(200);
    expect(r.url).toBe(`${bin.url}/get`);
    expect(r.redirected).toBe(true);
    expect(r.history.map((h) => [h.status, new URL(h.url).pathname])).toEqual([
      [302, "/redirect/3"],
      [302, "/relative-redirect/2"],
      [302, "/relative-redirect/1"],
    ]);
  });

  it("stops after maxRedirects with E_HTTP_REDIRECTS naming the first URL", async () => {
    await using http = new HttpClient({ baseURL: bin.url, maxRedirects: 2 });
    expect(await http.get("/redirect/2").then((r) => r.status)).toBe(200);
    const err = await http.get("/redirect/3").catch((e) => e);
    expect(err.code).toBe("E_HTTP_REDIRECTS");
    expect(err.message).toContain(`GET ${bin.url}/redirect/3: more than 2 redirects`);
  });

  it("returns the 3xx itself with redirect: manual", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const r = await http.get("/redirect/1", { redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/get");
    expect(r.history).toEqual([]);
  });

  it("turns a POST into a GET on 303 and keeps method and body on 307", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const to = (code: number) => ({ params: { url: "/anything", status_code: code }, data: "payload" });
    const seeOther = await echo(await http.post("/redirect-to", to(303)));
    expect([seeOther.method, seeOther.data]).toEqual(["GET", ""]);
    const temporary = await echo(await http.post("/redirect-to", to(307)));
    expect([temporary.method, temporary.data]).toEqual(["POST", "payload"]);
  });

  it("drops a user-set Content-Type with the body when a redirect turns a POST into a GET, and keeps it on 307/308", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const bodyHeaders: Array<[string, string | null, string | null]> = [];
    http.hooks.beforeRequest.push((req) => {
      bodyHeaders.push([req.method, req.headers.get("content-type"), req.headers.get("content-length")]);
    });
    const headers = { "content-type": "application/vnd.api+json", "content-length": "7" };
    for (const code of [303, 302, 301, 307, 308]) {
      bodyHeaders.length = 0;
      const params = { url: "/anything", status_code: code };
      const r = await echo(await http.post("/redirect-to", { params, json: { a: 1 }, headers }));
      const resent = code === 307 || code === 308;
      // What httpbin echoes, then what the hook saw on the second hop (Bun itself sends no Content-Length on a GET).
      const echoed = [code, r.method, r.json, r.headers["Content-Type"] ?? null];
      expect(echoed).toEqual(resent ? [code, "POST", { a: 1 }, headers["content-type"]] : [code, "GET", null, null]);
      expect(bodyHeaders[1]).toEqual(resent ? ["POST", headers["content-type"], "7"] : ["GET", null, null]);
    }
  });

  it("drops the Authorization header when a redirect leaves the origin", async () => {
    await using other = serve((req) => Response.json({ auth: req.headers.get("authorization") }));
    await using hop = serve(() => new Response(null, { status: 302, headers: { location: `${other.url}/x` } }));
    await using http = new HttpClient({ auth: { bearer: "secret" } });
    const r = await http.get(`${hop.url}/start`);
    expect(await r.json()).toEqual({ auth: null });
    expect(r.history[0]?.status).toBe(302);
  });
});

describe("HttpClient streaming and timeouts", () => {
  it("iterates a streamed body chunk by chunk as it arrives", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const r = await http.get("/stream/4", { stream: true });
    const lines: unknown[] = [];
    for await (const line of r.lines()) lines.push(JSON.parse(line).id);
    expect(lines).toEqual([0, 1, 2, 3]);
    await expect(r.text()).rejects.toMatchObject({ code: "E_HTTP_BODY" }); // a stream is read once
  });

  it("returns a streamed response before a slow body ends", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const r = await http.get("/drip", { params: { numbytes: 4, duration: 0.6, delay: 0 }, stream: true });
    expect(r.elapsed).toBeLessThan(500);
    let total = 0;
    for await (const chunk of r) total += chunk.byteLength;
    expect(total).toBe(4);
  });

  it("times out waiting for headers with E_HTTP_TIMEOUT naming the URL", async () => {
    await using http = new HttpClient({ baseURL: bin.url, timeout: 5000 });
    const err = await http.get("/delay/3", { timeout: 150 }).catch((e) => e);
    expect(err.code).toBe("E_HTTP_TIMEOUT");
    expect(err.message).toBe(`GET ${bin.url}/delay/3: no answer within 150 ms`);
  });

  it("times out a stalled stream between chunks", async () => {
    await using stall = serve(
      () =>
        new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode("first"));
            }, // then nothing, ever
          }),
        ),
    );
    await using http = new HttpClient({ timeout: 200 });
    const r = await http.get(stall.url, { stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of r) seen.push(new TextDecoder().decode(c));
    })().catch((e) => e);
    expect(seen).toEqual(["first"]);
    expect(err.code).toBe("E_HTTP_TIMEOUT");
  });
});

describe("HttpClient decompression", () => {
  for (const encoding of ["gzip", "deflate", "brotli"]) {
    it(`decodes ${encoding} bodies, and leaves them encoded with decompress: false`, async () => {
      await using http = new HttpClient({ baseURL: bin.url });
      const body = await echo(await http.get(`/${encoding}`));
      expect(body[encoding === "brotli" ? "brotli" : encoding === "gzip" ? "gzipped" : "deflated"]).toBe(true);
      const raw = await http.get(`/${encoding}`, { decompress: false });
      expect(raw.headers.get("content-encoding")).toBe(encoding === "brotli" ? "br" : encoding);
      await expect(raw.json()).rejects.toMatchObject({ code: "E_HTTP_BODY" });
    });
  }
});

describe("HttpClient session", () => {
  it("reuses one connection with keep-alive, and opens one per request without", async () => {
    await using ports = serve((req, server) => new Response(String(server.requestIP(req)?.port)));
    const portsOf = async (http: HttpClient) => {
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) seen.add(await (await http.get(ports.url)).text());
      return seen.size;
    };
    await using kept = new HttpClient();
    await using fresh = new HttpClient({ keepAlive: false });
    expect(await portsOf(kept)).toBe(1);
    expect(await portsOf(fresh)).toBe(4);
  });

  it("runs hooks before each request and after each response", async () => {
    const sent: string[] = [];
    await using http = new HttpClient({
      baseURL: bin.url,
      hooks: {
        beforeRequest: [
          (req) => {
            sent.push(req.url.pathname);
            req.headers.set("x-signed", "by-hook");
          },
        ],
      },
    });
    http.hooks.afterResponse.push((res) => (res.status === 418 ? undefined : res));
    const r = await http.get("/redirect/1");
    expect(sent).toEqual(["/redirect/1", "/get"]);
    expect((await echo(r)).headers["X-Signed"]).toBe("by-hook");
  });

  it("aborts requests in flight when closed, and refuses new ones", async () => {
    const { promise: arrived, resolve } = Promise.withResolvers<void>();
    await using hang = serve(() => {
      resolve();
      return new Promise<Response>(() => {}); // never answers
    });
    const http = new HttpClient({ baseURL: hang.url });
    const pending = http.get("/slow").catch((e) => e);
    await arrived;
    await http.close();
    expect((await pending).code).toBe("E_HTTP_CLOSED");
    await expect(http.get("/get")).rejects.toMatchObject({ code: "E_HTTP_CLOSED" });
  });

  it("reports elapsed time and raiseForStatus passes a 2xx through", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const r = await http.get("/delay/0.2");
    expect(r.elapsed).toBeGreaterThanOrEqual(190);
    expect(r.raiseForStatus()).toBe(r);
    expect(r.ok).toBe(true);
  });
});
