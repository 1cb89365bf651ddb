/** A request Bun hands over with a relative URL (no Host) gets the server's origin; the server still knows it. */
import { afterAll, describe, expect, it } from "bun:test";
import type { Server } from "bun";
import { isRelative, withAbsoluteUrl } from "../../src/server/absolute-url.ts";
import { rawRequest } from "../helpers/raw-http.ts";

const seen: { url: string; relative: boolean; ip: string | undefined; body: string }[] = [];
const server: Server<undefined> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(original, s) {
    let [req, srv] = [original, s];
    const relative = isRelative(req);
    if (relative) [req, srv] = withAbsoluteUrl(req, srv);
    if (new URL(req.url).pathname === "/ws")
      return srv.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 });
    seen.push({ url: req.url, relative, ip: srv.requestIP(req)?.address, body: await req.text() });
    return new Response("ok");
  },
  websocket: { message() {} },
});
afterAll(() => server.stop(true));

describe("withAbsoluteUrl", () => {
  it("gives an HTTP/1.0 request without Host the server's origin, its body, and its peer", async () => {
    seen.length = 0;
    await rawRequest(server.port as number, "POST /p?a=1 HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello");
    expect(seen).toEqual([{ url: `${server.url.origin}/p?a=1`, relative: true, ip: "127.0.0.1", body: "hello" }]);
  });

  it("leaves a request with a Host alone", async () => {
    seen.length = 0;
    await fetch(new URL("/q", server.url));
    expect(seen).toEqual([{ url: `${server.url.origin}/q`, relative: false, ip: "127.0.0.1", body: "" }]);
  });

  it("upgrades the original when the app upgrades the copy (an empty Host on HTTP/1.1)", async () => {
    const res = await rawRequest(
      server.port as number,
      "GET /ws HTTP/1.1\r\nHost:\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    expect(res.status).toBe(101);
  });
});
