/**
 * The websocket handshake checks that Bun leaves to the app. For a request
 * without `Upgrade: websocket` or with a bad key, `server.upgrade()` returns
 * false and sends nothing, and a Hono route then falls through to its 404; so
 * the app answers 400 itself, saying what is wrong, as the original pulsar did.
 * A wrong `Sec-WebSocket-Version` is Bun's: it answers 426 with the version it
 * speaks (RFC 6455 §4.4).
 */

/** Sixteen bytes in base64 (RFC 6455 §4.1): 22 characters, then the padding. */
const KEY = /^[A-Za-z0-9+/]{22}==$/;

function badRequest(reason: string): Response {
  return new Response(`Bad Request: ${reason}\n`, {
    status: 400,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/**
 * A 400 saying what makes `req` no websocket handshake, or undefined when it is
 * one as far as the app can tell. `Connection: Upgrade` is not required, as Bun
 * does not require it: a proxy that rewrites Connection must not cost a socket.
 * @example
 * if (path === "/ws") return handshakeError(req) ?? (server.upgrade(req) ? undefined : handshakeFailed());
 */
export function handshakeError(req: Request): Response | undefined {
  if (req.method !== "GET") return badRequest("a websocket handshake is a GET");
  const upgrade = req.headers.get("upgrade");
  if (!upgrade?.split(",").some((p) => p.trim().toLowerCase() === "websocket"))
    return badRequest("this is a websocket route: the request needs Upgrade: websocket");
  const key = req.headers.get("sec-websocket-key");
  if (key === null) return badRequest("the websocket handshake has no Sec-WebSocket-Key");
  if (!KEY.test(key.trim())) return badRequest("Sec-WebSocket-Key is not 16 bytes in base64");
  return undefined;
}

/** The answer when `server.upgrade()` refused a request that passed `handshakeError`. */
export function handshakeFailed(): Response {
  return badRequest("websocket handshake failed");
}
