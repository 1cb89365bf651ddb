/**
 * A cookie jar with the storage and matching rules of RFC 6265 (§5.1.3 domain
 * match, §5.1.4 path match, §5.2 parsing, §5.3 storage): host-only versus
 * domain cookies, default paths, Max-Age over Expires, Secure only over https.
 * Bun.Cookie parses too, but it fills in `Path=/` when the header has none,
 * and the default path must come from the request URL, so the parser is ours.
 */

/** One stored cookie. `expires` is in ms since the epoch; undefined means a session cookie. */
export interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  /** No `Domain` attribute: only the exact host that set it gets it back. */
  hostOnly: boolean;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
  expires?: number;
  created: number;
}

/** Options to put a cookie in the jar by hand. */
export interface CookieOptions {
  domain: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  /** Expiry, as a Date or ms since the epoch. */
  expires?: Date | number;
}

const isIp = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");

/** RFC 6265 §5.1.3: `host` is `domain`, or a name under it (never for IP addresses). */
export function domainMatch(host: string, domain: string): boolean {
  if (host === domain) return true;
  return !isIp(host) && host.endsWith(`.${domain}`);
}

/** RFC 6265 §5.1.4: `/a/b` matches cookie paths `/`, `/a` and `/a/`, not `/ab`. */
export function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/** RFC 6265 §5.1.4: the directory of the request path. */
function defaultPath(pathname: string): string {
  if (!pathname.startsWith("/")) return "/";
  const last = pathname.lastIndexOf("/");
  return last <= 0 ? "/" : pathname.slice(0, last);
}

/** Hosts in URLs come bracketed for IPv6 and may end with a dot. */
const hostOf = (url: URL) =>
  url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();

/**
 * Parse one Set-Cookie header as received from `url`. Returns null when the
 * cookie must be ignored (no name, or a Domain the host is not under).
 */
export function parseSetCookie(header: string, url: URL, now = Date.now()): StoredCookie | null {
  const [pair = "", ...attrs] = header.split(";");
  const eq = pair.indexOf("=");
  if (eq <= 0) return null;
  const host = hostOf(url);
  const cookie: StoredCookie = {
    name: pair.slice(0, eq).trim(),
    value: pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1"),
    domain: host,
    path: defaultPath(url.pathname),
    hostOnly: true,
    secure: false,
    httpOnly: false,
    created: now,
  };
  if (!cookie.name) return null;
  let maxAge: number | undefined;
  for (const attr of attrs) {
    const i = attr.indexOf("=");
    const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? "" : attr.slice(i + 1).trim();
    if (key === "expires") {
      const t = Date.parse(val);
      if (!Number.isNaN(t)) cookie.expires = t;
    } else if (key === "max-age") {
      if (/^-?\d+$/.test(val)) maxAge = Number(val);
    } else if (key === "domain") {
      const domain = val.replace(/^\./, "").toLowerCase();
      if (!domain) continue;
      // A cookie for a domain the host is not under would let any site set cookies for any other.
      if (!domainMatch(host, domain)) return null;
      // A bare top-level name (`com`) is refused unless it is the host itself.
      if (!domain.includes(".") && domain !== host) return null;
      cookie.domain = domain;
      cookie.hostOnly = false;
    } else if (key === "path") {
      if (val.startsWith("/")) cookie.path = val;
    } else if (key === "secure") cookie.secure = true;
    else if (key === "httponly") cookie.httpOnly = true;
    else if (key === "samesite") cookie.sameSite = val;
  }
  if (maxAge !== undefined) cookie.expires = maxAge <= 0 ? 0 : now + maxAge * 1000;
  return cookie;
}

/**
 * The session's cookies: set from responses, sent back on requests whose host,
 * path and scheme match, forgotten when they expire.
 * @example
 * const jar = new CookieJar();
 * jar.setCookie("sid=1; Path=/app; Max-Age=60", "https://example.com/app/login");
 * jar.header("https://example.com/app/home"); // "sid=1"
 */
export class CookieJar implements Iterable<StoredCookie> {
  #cookies = new Map<string, StoredCookie>();

  /** Store one Set-Cookie header received from `url`; an expired one deletes its namesake. */
  setCookie(header: string, url: string | URL, now = Date.now()): StoredCookie | null {
    const cookie = parseSetCookie(header, new URL(url), now);
    if (!cookie) return null;
    this.#store(cookie, now);
    return cookie;
  }

  /** Put a cookie in the jar by hand (for a domain and its sub-domains). */
  set(name: string, value: string, options: CookieOptions): void {
    const expires = options.expires instanceof Date ? options.expires.getTime() : options.expires;
    this.#store(
      {
        name,
        value,
        domain: options.domain.replace(/^\./, "").toLowerCase(),
        path: options.path ?? "/",
        hostOnly: false,
        secure: options.secure ?? false,
        httpOnly: options.httpOnly ?? false,
        created: Date.now(),
        ...(expires !== undefined ? { expires } : {}),
      },
      Date.now(),
    );
  }

  #store(cookie: StoredCookie, now: number): void {
    const key = `${cookie.domain};${cookie.path};${cookie.name}`;
    const old = this.#cookies.get(key);
    if (cookie.expires !== undefined && cookie.expires <= now) {
      this.#cookies.delete(key);
      return;
    }
    // §5.3 step 11: a replaced cookie keeps its creation time (and so its place in the header).
    if (old) cookie.created = old.created;
    this.#cookies.set(key, cookie);
  }

  /** The cookies to send to `url`: longest path first, then oldest first (§5.4). */
  matching(url: string | URL, now = Date.now()): StoredCookie[] {
    const u = new URL(url);
    const host = hostOf(u);
    const secure = u.protocol === "https:" || u.protocol === "wss:";
    const out: StoredCookie[] = [];
    for (const [key, c] of this.#cookies) {
      if (c.expires !== undefined && c.expires <= now) {
        this.#cookies.delete(key);
        continue;
      }
      if (c.hostOnly ? host !== c.domain : !domainMatch(host, c.domain)) continue;
      if (!pathMatch(u.pathname || "/", c.path)) continue;
      if (c.secure && !secure) continue;
      out.push(c);
    }
    return out.sort((a, b) => b.path.length - a.path.length || a.created - b.created);
  }

  /** The `Cookie` header value for `url`, or "" when no cookie matches. */
  header(url: string | URL, now = Date.now()): string {
    return this.matching(url, now)
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }

  /** The value of cookie `name`, the one `url` would get when given, else the first of that name. */
  get(name: string, url?: string | URL): string | undefined {
    const pool = url ? this.matching(url) : [...this];
    return pool.find((c) => c.name === name)?.value;
  }

  /** Forget cookie `name` (only for `domain` when given). Returns how many were removed. */
  delete(name: string, domain?: string): number {
    let n = 0;
    for (const [key, c] of this.#cookies)
      if (c.name === name && (domain === undefined || c.domain === domain.toLowerCase())) {
        this.#cookies.delete(key);
        n++;
      }
    return n;
  }

  /** Forget every cookie. */
  clear(): void {
    this.#cookies.clear();
  }

  /** How many unexpired cookies the jar holds. */
  get size(): number {
    return [...this].length;
  }

  *[Symbol.iterator](): Iterator<StoredCookie> {
    const now = Date.now();
    for (const c of this.#cookies.values()) if (c.expires === undefined || c.expires > now) yield c;
  }

  /** Name → value of every unexpired cookie (the last one wins when names repeat across domains). */
  toJSON(): Record<string, string> {
    return Object.fromEntries([...this].map((c) => [c.name, c.value]));
  }
}
