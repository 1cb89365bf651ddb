/**
 * HTTP Digest authentication (RFC 7616): parse a `WWW-Authenticate: Digest`
 * challenge and compute the `Authorization` answer, for MD5, SHA-256, SHA-512 and
 * SHA-512-256 (and their -sess variants), with qop `auth`, `auth-int`, or none (RFC 2069).
 */
import { RequestError } from "./errors.ts";

/** A parsed Digest challenge. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  qop: string[];
  algorithm: string;
  stale: boolean;
}

/** The Digest challenge in a WWW-Authenticate header (which may list other schemes first), or null. */
export function parseChallenge(header: string): DigestChallenge | null {
  const at = header.search(/(^|[\s,])Digest\s/i);
  if (at < 0) return null;
  const params: Record<string, string> = {};
  const rest = header.slice(at).replace(/^[\s,]*Digest\s+/i, "");
  for (const m of rest.matchAll(/([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g))
    params[(m[1] as string).toLowerCase()] = (m[2] ?? m[3] ?? "").replace(/\\(.)/g, "$1");
  if (!params.nonce || params.realm === undefined) return null;
  return {
    realm: params.realm,
    nonce: params.nonce,
    ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
    qop: (params.qop ?? "")
      .split(",")
      .map((q) => q.trim().toLowerCase())
      .filter(Boolean),
    algorithm: (params.algorithm ?? "MD5").toUpperCase(),
    stale: (params.stale ?? "").toLowerCase() === "true",
  };
}

const HASHES: Record<string, "md5" | "sha256" | "sha512" | "sha512-256"> = {
  MD5: "md5",
  "SHA-256": "sha256",
  "SHA-512": "sha512",
  "SHA-512-256": "sha512-256",
};

const quote = (s: string) => `"${s.replace(/(["\\])/g, "\\$1")}"`;

/** One challenge being answered: the nonce count goes up with each request. */
export class DigestSession {
  #nc = 0;
  constructor(readonly challenge: DigestChallenge) {}

  /** The Authorization header for one request. `body` is needed only for qop=auth-int. */
  authorize(method: string, url: URL, username: string, password: string, body?: Uint8Array): string {
    const ch = this.challenge;
    const sess = ch.algorithm.endsWith("-SESS");
    const algo = HASHES[sess ? ch.algorithm.slice(0, -5) : ch.algorithm];
    if (!algo)
      throw new RequestError(`${method} ${url.href}: the server asks for Digest algorithm ${ch.algorithm}`, {
        method,
        url: url.href,
      });
    const H = (s: string | Uint8Array) => new Bun.CryptoHasher(algo).update(s).digest("hex");
    const qop = ch.qop.includes("auth") ? "auth" : ch.qop.includes("auth-int") ? "auth-int" : undefined;
    if (qop === "auth-int" && body === undefined)
      throw new RequestError(`${method} ${url.href}: Digest qop=auth-int needs a buffered body, not a stream`, {
        method,
        url: url.href,
      });
    const uri = url.pathname + url.search;
    const cnonce = new Bun.CryptoHasher("md5").update(crypto.randomUUID()).digest("hex").slice(0, 16);
    const nc = (++this.#nc).toString(16).padStart(8, "0");
    let ha1 = H(`${username}:${ch.realm}:${password}`);
    if (sess) ha1 = H(`${ha1}:${ch.nonce}:${cnonce}`);
    const ha2 = qop === "auth-int" ? H(`${method}:${uri}:${H(body ?? "")}`) : H(`${method}:${uri}`);
    const response = qop ? H(`${ha1}:${ch.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : H(`${ha1}:${ch.nonce}:${ha2}`);
    const parts = [
      `username=${quote(username)}`,
      `realm=${quote(ch.realm)}`,
      `nonce=${quote(ch.nonce)}`,
      `uri=${quote(uri)}`,
      `algorithm=${ch.algorithm}`,
      `response=${quote(response)}`,
    ];
    if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`);
    if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
    return `Digest ${parts.join(", ")}`;
  }
}
