/** The websocket handshake checks Bun leaves to the app: 400 saying why, or nothing for a handshake. */
import { describe, expect, it } from "bun:test";
import { handshakeError } from "../../src/ws/handshake.ts";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const ask = (headers: Record<string, string>, method = "GET") =>
  handshakeError(new Request("http://h/ws", { method, headers }));

describe("handshakeError", () => {
  it("passes a handshake: Upgrade websocket (any case, in a list) and a 16-byte key", () => {
    expect(ask({ upgrade: "websocket", "sec-websocket-key": KEY })).toBeUndefined();
    expect(ask({ upgrade: "h2c, WebSocket", "sec-websocket-key": KEY })).toBeUndefined();
  });

  it("leaves the version to Bun, which answers 426 with the one it speaks", () => {
    expect(ask({ upgrade: "websocket", "sec-websocket-key": KEY, "sec-websocket-version": "8" })).toBeUndefined();
  });

  it("answers 400 in plain text to a request without Upgrade, without a key, or with a key that is not 16 bytes", async () => {
    for (const [headers, reason] of [
      [{}, "the request needs Upgrade: websocket"],
      [{ upgrade: "h2c", "sec-websocket-key": KEY }, "the request needs Upgrade: websocket"],
      [{ upgrade: "websocket" }, "has no Sec-WebSocket-Key"],
      [{ upgrade: "websocket", "sec-websocket-key": "abc" }, "is not 16 bytes in base64"],
      [{ upgrade: "websocket", "sec-websocket-key": "YWJj" }, "is not 16 bytes in base64"],
      [{ upgrade: "websocket", "sec-websocket-key": `${KEY}AAAA` }, "is not 16 bytes in base64"],
    ] as [Record<string, string>, string][]) {
      const res = ask(headers);
      expect(res?.status).toBe(400);
      expect(res?.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await res?.text()).toContain(reason);
    }
  });

  it("answers 400 to another method than GET", () => {
    expect(ask({ upgrade: "websocket", "sec-websocket-key": KEY }, "POST")?.status).toBe(400);
  });
});
