/**
 * Auth: /basic-auth/{u}/{p}, /hidden-basic-auth/{u}/{p} (404 instead of a
 * challenge), /bearer, and /digest-auth/{qop}/{u}/{p}[/{algorithm}]: a real
 * RFC 7616 challenge and verification (MD5, SHA-256 and SHA-512, qop auth and
 * auth-int) that python-requests passes, and `curl --digest` too with MD5 and SHA-256 (it
 * does not answer SHA-512).
 */
import { Hono } from "hono";

export const auth = new Hono();

function basicUser(header: string | undefined): [string, string] | null {
  const m = /^Basic\s+(.+)$/i.exec(header ?? "");
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  return i < 0 ? null : [decoded.slice(0, i), decoded.slice(i + 1)];
}

auth.get("/basic-auth/:user/:passwd", (c) => {
  const got = basicUser(c.req.header("authorization"));
  if (got?.[0] === c.req.param("user") && got[1] === c.req.param("passwd"))
    return c.json({ authenticated: true, user: got[0] });
  return c.body(null, 401, { "www-authenticate": 'Basic realm="Fake Realm"' });
});

auth.get("/hidden-basic-auth/:user/:passwd", (c) => {
  const got = basicUser(c.req.header("authorization"));
  if (got?.[0] === c.req.param("user") && got[1] === c.req.param("passwd"))
    return c.json({ authenticated: true, user: got[0] });
  return c.json({ error: "not found" }, 404);
});

auth.get("/bearer", (c) => {
  const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (!m) return c.body(null, 401, { "www-authenticate": "Bearer" });
  return c.json({ authenticated: true, token: m[1] });
});

const REALM = "me@kennethreitz.com";
const HASHERS = { MD5: "md5", "SHA-256": "sha256", "SHA-512": "sha512" } as const;
type Algorithm = keyof typeof HASHERS;

function hash(algorithm: Algorithm, text: string | Uint8Array): string {
  return new Bun.CryptoHasher(HASHERS[algorithm]).update(text).digest("hex");
}

/** The parameters of a `Digest k="v", k2=v2` header. */
export function parseDigest(header: string): Record<string, string> | null {
  const m = /^Digest\s+(.*)$/i.exec(header);
  if (!m?.[1]) return null;
  const out: Record<string, string> = {};
  for (const part of m[1].matchAll(/([a-zA-Z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g))
    out[(part[1] as string).toLowerCase()] = part[2] ?? part[3] ?? "";
  return out;
}

function challenge(qop: string, algorithm: Algorithm, stale = false): Record<string, string> {
  const nonce = hash(algorithm, `${Date.now()}:${Math.random()}`);
  const opaque = hash(algorithm, crypto.randomUUID());
  // A qop path segment other than auth or auth-int offers both, as python-httpbin does.
  const offered = qop === "auth" || qop === "auth-int" ? qop : "auth, auth-int";
  return {
    "www-authenticate": `Digest realm="${REALM}", nonce="${nonce}", qop="${offered}", opaque="${opaque}", algorithm=${algorithm}, stale=${stale ? "TRUE" : "FALSE"}`,
  };
}

/** How many times each nonce was answered correctly, for stale_after (bounded: oldest forgotten first). */
const nonceUses = new Map<string, number>();
function used(nonce: string): number {
  const n = (nonceUses.get(nonce) ?? 0) + 1;
  nonceUses.delete(nonce);
  nonceUses.set(nonce, n);
  if (nonceUses.size > 10_000) nonceUses.delete(nonceUses.keys().next().value as string);
  return n;
}

auth.get("/digest-auth/:qop/:user/:passwd/:algorithm?/:stale_after?", async (c) => {
  const { qop, user, passwd } = c.req.param();
  const staleAfter =
    c.req.param("stale_after") === undefined ? Number.POSITIVE_INFINITY : Number(c.req.param("stale_after"));
  const algorithm = (c.req.param("algorithm") ?? "MD5").toUpperCase() as Algorithm;
  if (!Object.hasOwn(HASHERS, algorithm)) return c.json({ error: "algorithm must be MD5, SHA-256 or SHA-512" }, 400);
  const given = parseDigest(c.req.header("authorization") ?? "");
  if (!given || given.username !== user) return c.body(null, 401, challenge(qop, algorithm));
  const body = new Uint8Array(await c.req.arrayBuffer());
  const ha1 = hash(algorithm, `${user}:${given.realm ?? REALM}:${passwd}`);
  const ha2 =
    given.qop === "auth-int"
      ? hash(algorithm, `${c.req.method}:${given.uri}:${hash(algorithm, body)}`)
      : hash(algorithm, `${c.req.method}:${given.uri}`);
  const expected = given.qop
    ? hash(algorithm, `${ha1}:${given.nonce}:${given.nc}:${given.cnonce}:${given.qop}:${ha2}`)
    : hash(algorithm, `${ha1}:${given.nonce}:${ha2}`);
  if (expected !== given.response) return c.body(null, 401, challenge(qop, algorithm));
  // After stale_after answers with one nonce, ask the client for a fresh one (stale=TRUE: no new password).
  if (used(given.nonce ?? "") > staleAfter) return c.body(null, 401, challenge(qop, algorithm, true));
  return c.json({ authenticated: true, user });
});
