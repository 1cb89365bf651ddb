/**
 * httpbin from the binary, with a real client (curl): digest auth, compression, ranges, limits,
 * Expect: 100-continue; and raw sockets for what clients do not send: no Host, bad handshakes.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { Proc, tempDir } from "../helpers/proc.ts";
import { rawRequest } from "../helpers/raw-http.ts";

const curl = (...args: string[]) => {
  const p = Bun.spawnSync(["curl", "-s", ...args]);
  return p.stdout.toString();
};

describe("pulsar run httpbin", () => {
  const dir = tempDir();
  let arb: Proc;
  let url: string;
  beforeAll(async () => {
    arb = await Proc.binary([
      "run",
      "httpbin",
      "--workers",
      "2",
      "--bind",
      "127.0.0.1:0",
      "--stream-buffer",
      "65536",
      "--httpbin-json-shape",
      "techempower",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "info",
    ]);
    url = await arb.url();
    await arb.waitChildren(2);
  });
  afterAll(async () => {
    await arb[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
  });

  it("takes its own settings from the command line (--httpbin-json-shape techempower)", () => {
    expect(JSON.parse(curl(`${url}/json`))).toEqual({ message: "Hello, World!" });
  });

  it("passes curl --digest with MD5 and SHA-256, and refuses a wrong password", () => {
    expect(JSON.parse(curl("--digest", "-u", "ada:secret", `${url}/digest-auth/auth/ada/secret`))).toEqual({
      authenticated: true,
      user: "ada",
    });
    expect(JSON.parse(curl("--digest", "-u", "ada:secret", `${url}/digest-auth/auth/ada/secret/SHA-256`))).toEqual({
      authenticated: true,
      user: "ada",
    });
    expect(
      curl(
        "--digest",
        "-u",
        "ada:wrong",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `${url}/digest-auth/auth/ada/secret`,
      ),
    ).toBe("401");
  });

  it("decompresses /gzip and /deflate with curl --compressed", () => {
    expect(JSON.parse(curl("--compressed", `${url}/gzip`)).gzipped).toBe(true);
    expect(JSON.parse(curl("--compressed", `${url}/deflate`)).deflated).toBe(true);
  });

  it("serves a byte range to curl -r", () => {
    expect(curl("-r", "0-4", `${url}/range/100`)).toBe("abcde");
    expect(curl("-r", "200-300", "-o", "/dev/null", "-w", "%{http_code}", `${url}/range/100`)).toBe("416");
  });

  it("answers 413 over the body limit, and keeps serving", () => {
    const big = join(dir.path, "big.bin");
    Bun.spawnSync(["dd", "if=/dev/zero", `of=${big}`, "bs=1024", "count=128"]);
    expect(curl("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", `@${big}`, `${url}/post`)).toBe("413");
    expect(JSON.parse(curl(`${url}/get?after=413`)).args).toEqual({ after: "413" });
  });

  it("follows redirects to /get with curl -L", () => {
    expect(JSON.parse(curl("-L", `${url}/redirect/3`)).url).toBe(`${url}/get`);
  });

  it("gives curl 417 on /expect with Expect: 100-continue every time, on a fresh connection", () => {
    // Bun sends 100 Continue before the handler runs; a 417 that follows it at once made curl
    // re-send the request on the same connection, where it was read as the unsent body (a 400).
    const codes = Array.from({ length: 20 }, () =>
      curl(
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        "Expect: 100-continue",
        "--data-binary",
        "hello",
        `${url}/expect`,
      ),
    );
    expect(codes).toEqual(Array(20).fill("417"));
    const verbose = Bun.spawnSync([
      "curl",
      "-sv",
      "-o",
      "/dev/null",
      "-H",
      "Expect: 100-continue",
      "-d",
      "x",
      `${url}/expect`,
    ]);
    expect(verbose.stderr.toString()).toMatch(/< Connection: close/i);
  });

  it("still reads the body after 100 Continue where the route wants it, and keeps the connection", () => {
    const out = Bun.spawnSync([
      "curl",
      "-sv",
      "-H",
      "Expect: 100-continue",
      "-H",
      "Content-Type: text/plain",
      "--data-binary",
      "hello",
      `${url}/post`,
      "--next",
      `${url}/get`,
    ]);
    expect(out.stdout.toString()).toContain('"data":"hello"');
    expect(out.stderr.toString()).toContain("Re-using existing connection");
  });

  it("serves an HTTP/1.0 request without Host on every route, its url at the bound address", async () => {
    const port = Number(new URL(url).port);
    const get = await rawRequest(port, "GET /get?a=1 HTTP/1.0\r\n\r\n");
    expect(get.status).toBe(200);
    expect(JSON.parse(get.body)).toEqual({ args: { a: "1" }, headers: {}, origin: "127.0.0.1", url: `${url}/get?a=1` });
    const post = await rawRequest(port, "POST /post HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello");
    expect(post.status).toBe(200);
    expect(JSON.parse(post.body)).toMatchObject({ data: "hello", url: `${url}/post` });
    for (const path of ["/status/418", "/links/2/0", "/cookies", "/anything/x"])
      expect((await rawRequest(port, `GET ${path} HTTP/1.0\r\n\r\n`)).status).toBe(path === "/status/418" ? 418 : 200);
  });

  describe("websocket routes refuse what is no handshake", () => {
    const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    const handshake = (path: string, fields: string[]) =>
      rawRequest(
        Number(new URL(url).port),
        `GET ${path} HTTP/1.1\r\nHost: h\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n`,
      );
    const upgrade = ["Upgrade: websocket", "Connection: Upgrade"];

    for (const path of ["/websocket/echo", "/graph-data"]) {
      it(`answers 400 on ${path} without Upgrade, without a key, or with a key that is not 16 bytes`, async () => {
        for (const fields of [
          [],
          [...upgrade, "Sec-WebSocket-Version: 13"],
          [...upgrade, "Sec-WebSocket-Key: abc", "Sec-WebSocket-Version: 13"],
          [...upgrade, "Sec-WebSocket-Key: YWJj", "Sec-WebSocket-Version: 13"],
        ]) {
          const res = await handshake(path, fields);
          expect([res.status, res.headers["content-type"]]).toEqual([400, "text/plain; charset=utf-8"]);
          expect(res.body).toMatch(/^Bad Request: .*(Upgrade|Sec-WebSocket-Key)/);
        }
      });
    }

    it("answers 426 with the version it speaks to another Sec-WebSocket-Version, and 101 to a good handshake", async () => {
      const wrong = await handshake("/websocket/echo", [
        ...upgrade,
        `Sec-WebSocket-Key: ${KEY}`,
        "Sec-WebSocket-Version: 8",
      ]);
      expect([wrong.status, wrong.headers["sec-websocket-version"]]).toEqual([426, "13"]);
      const good = await handshake("/websocket/echo", [
        ...upgrade,
        `Sec-WebSocket-Key: ${KEY}`,
        "Sec-WebSocket-Version: 13",
      ]);
      expect([good.status, good.headers["sec-websocket-accept"]]).toEqual([101, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="]);
      // An empty Host: the app sees a copy of the request at the bound address, Bun upgrades the original.
      const port = Number(new URL(url).port);
      const fields = [...upgrade, `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 13"].join("\r\n");
      const hostless = await rawRequest(port, `GET /websocket/echo HTTP/1.1\r\nHost:\r\n${fields}\r\n\r\n`);
      expect(hostless.status).toBe(101);
    });
  });
});
