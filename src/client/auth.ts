/**
 * Request authentication: Basic and Bearer are a header on every request;
 * Digest (RFC 7616) answers the server's challenge, then reuses it.
 */
import { type DigestChallenge, DigestSession, parseChallenge } from "./digest.ts";
import { type HttpErrorDetails, RequestError } from "./errors.ts";

/**
 * Credentials for a request or a whole session.
 * @example
 * { username: "ada", password: "s3cret" }                     // Basic
 * { username: "ada", password: "s3cret", scheme: "digest" }   // Digest: challenge and response
 * { bearer: "token" }                                         // Authorization: Bearer token
 * ["ada", "s3cret"]                                           // Basic, as requests writes it
 */
export type Auth =
  | { username: string; password: string; scheme?: "basic" | "digest" }
  | { bearer: string }
  | [string, string];

/** The credentials in one shape. */
export type Credentials =
  | { scheme: "basic"; username: string; password: string }
  | { scheme: "digest"; username: string; password: string }
  | { scheme: "bearer"; token: string };

/**
 * The credentials in one shape; `at` names the request in the RequestError
 * (E_HTTP_REQUEST) that a malformed `auth` gets, rather than a request that
 * goes out with "undefined" for a password.
 */
export function credentials(auth: Auth, at: HttpErrorDetails): Credentials {
  const str = (v: unknown): v is string => typeof v === "string";
  if (Array.isArray(auth)) {
    const [username, password] = auth as unknown[];
    if (auth.length === 2 && str(username) && str(password)) return { scheme: "basic", username, password };
  } else if (auth && typeof auth === "object") {
    const a = auth as Record<string, unknown>;
    const scheme = a.scheme ?? "basic";
    if (str(a.bearer)) return { scheme: "bearer", token: a.bearer };
    if (str(a.username) && str(a.password) && (scheme === "basic" || scheme === "digest"))
      return { scheme, username: a.username, password: a.password };
  }
  throw new RequestError(
    `${at.method} ${at.url}: auth must be { username, password, scheme?: "basic" | "digest" }, { bearer } or [username, password]`,
    at,
  );
}

/** The Authorization header sent up front (Basic, Bearer), or null for Digest which must wait for a challenge. */
export function preemptive(c: Credentials): string | null {
  if (c.scheme === "basic") return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
  if (c.scheme === "bearer") return `Bearer ${c.token}`;
  return null;
}

/** Where the Digest answer of a request came from: none sent, the origin's remembered challenge, or the challenge this request was just given. */
export type DigestAnswer = "none" | "cached" | "fresh";

/**
 * Digest state per origin: once a server has challenged us, later requests
 * answer the same nonce up front (nc counts up) and skip the 401 round trip.
 */
export class DigestCache {
  #byOrigin = new Map<string, DigestSession>();

  /** A header for `url` from the remembered challenge, if any. */
  header(url: URL, method: string, c: Credentials, body?: Uint8Array): string | null {
    if (c.scheme !== "digest") return null;
    return this.#byOrigin.get(url.origin)?.authorize(method, url, c.username, c.password, body) ?? null;
  }

  /**
   * Learn the challenge of a 401. Returns true when it is worth retrying: a
   * first challenge; a refused answer from the cache (the server may have moved
   * on to another nonce, realm, algorithm or qop, or guard another realm at
   * this path); or a stale nonce (the password was right, the nonce old). A
   * fresh answer refused without `stale` means wrong credentials: final.
   */
  learn(url: URL, wwwAuthenticate: string | null, answered: DigestAnswer): boolean {
    const challenge = parseChallenge(wwwAuthenticate ?? "");
    if (!challenge) return false;
    const known = this.#byOrigin.get(url.origin);
    // The same challenge again keeps its session: a new one would count nc from 1, a replay to a strict server.
    if (!known || !sameChallenge(known.challenge, challenge))
      this.#byOrigin.set(url.origin, new DigestSession(challenge));
    return answered !== "fresh" || challenge.stale;
  }
}

function sameChallenge(a: DigestChallenge, b: DigestChallenge): boolean {
  return (
    a.nonce === b.nonce &&
    a.realm === b.realm &&
    a.algorithm === b.algorithm &&
    a.opaque === b.opaque &&
    a.qop.join() === b.qop.join()
  );
}
