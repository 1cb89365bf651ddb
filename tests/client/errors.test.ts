/** The client's typed errors: each has a code, and its message names the method and URL. */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpClient, HttpError, HttpStatusError } from "../../src/index.ts";
import { selfSigned } from "../helpers/tls.ts";
import { hasOpenssl } from "../helpers/tools.ts";
import { serveHttpbin } from "./httpbin-server.ts";

const bin = serveHttpbin();
afterAll(() => bin[Symbol.asyncDispose]());

describe("network errors", () => {
  it("names a refused connection E_HTTP_CONNECT", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    const url = `http://127.0.0.1:${port}/get`;
    closed.stop(true);
    await using http = new HttpClient();
    const err = await http.get(url).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.code).toBe("E_HTTP_CONNECT");
    expect(err.message).toBe(`GET ${url}: connection refused (nothing listens at 127.0.0.1:${port})`);
    expect(err.details).toMatchObject({ method: "GET", url, cause: "ECONNREFUSED" });
  });

  it("names an unresolvable host E_HTTP_DNS", async () => {
    await using http = new HttpClient({ timeout: 10_000 });
    const err = await http.get("http://no-such-host.invalid/x").catch((e) => e);
    expect(err.code).toBe("E_HTTP_DNS");
    expect(err.message).toStartWith(
      "GET http://no-such-host.invalid/x: the host no-such-host.invalid does not resolve",
    );
  });

  it("refuses a bad URL or a non-http scheme with E_HTTP_REQUEST", async () => {
    await using http = new HttpClient();
    await expect(http.get("not a url")).rejects.toMatchObject({
      code: "E_HTTP_REQUEST",
      message: 'invalid URL "not a url"',
    });
    await expect(http.get("ftp://h/x")).rejects.toMatchObject({
      code: "E_HTTP_REQUEST",
      message: "GET ftp://h/x: only http and https URLs",
    });
    expect(() => new HttpClient({ baseURL: "::nope" })).toThrow('invalid baseURL "::nope"');
  });

  it("refuses a data value it cannot send", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    await expect(http.post("/post", { data: 42 as never })).rejects.toMatchObject({ code: "E_HTTP_REQUEST" });
  });
});

describe("status errors", () => {
  it("raiseForStatus throws E_HTTP_STATUS with the status, method and URL", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const notFound = await http.get("/status/404");
    expect(notFound.ok).toBe(false);
    const err = (() => {
      try {
        notFound.raiseForStatus();
      } catch (e) {
        return e as HttpStatusError;
      }
    })();
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err?.code).toBe("E_HTTP_STATUS");
    expect(err?.status).toBe(404);
    expect(err?.message).toBe(`404 Not Found for GET ${bin.url}/status/404`);
    const unavailable = await http.delete("/status/503");
    expect(() => unavailable.raiseForStatus()).toThrow(`503 Service Unavailable for DELETE ${bin.url}/status/503`);
  });

  it("says which URL answered something that is not JSON", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    const r = await http.get("/html");
    await expect(r.json()).rejects.toMatchObject({ code: "E_HTTP_BODY" });
    await expect(r.json()).rejects.toThrow(`GET ${bin.url}/html: the body is not JSON`);
  });
});

describe.if(hasOpenssl())("TLS", () => {
  let dir = "";
  let cert = "";
  let server: Bun.Server<unknown>;
  let url = "";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pulsar-tls-"));
    cert = selfSigned(dir).cert;
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert, key: await Bun.file(join(dir, "key.pem")).text() },
      fetch: (req) => new Response(`secure ${new URL(req.url).pathname}`),
    });
    url = `https://127.0.0.1:${server.port}/hello`;
  });
  afterAll(() => server?.stop(true));

  it("rejects a self-signed certificate by default with E_HTTP_TLS", async () => {
    await using http = new HttpClient();
    const err = await http.get(url).catch((e) => e);
    expect(err.code).toBe("E_HTTP_TLS");
    expect(err.message).toStartWith(`GET ${url}: TLS failed`);
    expect(err.details.cause).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  it("accepts it when its certificate is given as ca, per session or per request", async () => {
    await using session = new HttpClient({ ca: cert });
    expect(await (await session.get(url)).text()).toBe("secure /hello");
    await using plain = new HttpClient();
    expect(await (await plain.get(url, { ca: Bun.file(join(dir, "cert.pem")) })).text()).toBe("secure /hello");
  });

  it("accepts it with verify: false", async () => {
    await using http = new HttpClient({ verify: false });
    expect((await http.get(url)).status).toBe(200);
    await expect(http.get(url, { verify: true })).rejects.toMatchObject({ code: "E_HTTP_TLS" });
  });
});
