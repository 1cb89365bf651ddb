/**
 * Request authentication: Basic and Bearer are a header on every request;
 * Digest (RFC 7616) answers the server's challenge, then reuses it.
 */
import { DigestSession, parseChallenge } from "./digest.ts";

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

export function credentials(auth: Auth): Credentials {
  if (Array.isArray(auth)) return { scheme: "basic", username: auth[0], password: auth[1] };
  if ("bearer" in auth) return { scheme: "bearer", token: auth.bearer };
  return { scheme: auth.scheme ?? "basic", username: auth.username, password: auth.password };
}

/** The Authorization header sent up front (Basic, Bearer), or null for Digest which must wait for a challenge. */
export function preemptive(c: Credentials): string | null {
  if (c.scheme === "basic") return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
  if (c.scheme === "bearer") return `Bearer ${c.token}`;
  return null;
}

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
   * first challenge, or a stale nonce (the password was right, the nonce old).
   */
  learn(url: URL, wwwAuthenticate: string | null, hadHeader: boolean): boolean {
    const challenge = parseChallenge(wwwAuthenticate ?? "");
    if (!challenge) return false;
    this.#byOrigin.set(url.origin, new DigestSession(challenge));
    return !hadHeader || challenge.stale;
  }
}
