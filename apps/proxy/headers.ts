/**
 * The header rules of a proxy (RFC 9110 §7.6): hop-by-hop fields stop here,
 * `Via` names this proxy in both directions, the client joins
 * `X-Forwarded-For`, and a request that already passed through us is a loop.
 */

/** Fields that describe one connection, never forwarded (besides those `Connection` names). */
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authorization",
  "proxy-authenticate",
]);

const NONE: ReadonlySet<string> = new Set();

/** The fields a `Connection` header names, lower-cased. */
function connectionTokens(fields: [string, string][]): ReadonlySet<string> {
  let out: Set<string> | undefined;
  for (const [k, v] of fields) {
    if (k !== "connection") continue;
    out ??= new Set();
    for (const t of v.split(",")) out.add(t.trim().toLowerCase());
  }
  // Most requests name nothing: no Set to build.
  return out ?? NONE;
}

/** Does this request ask to switch protocols (a websocket)? */
export function isUpgrade(fields: [string, string][]): boolean {
  return connectionTokens(fields).has("upgrade") && fields.some(([k]) => k === "upgrade");
}

/** Does `Connection` carry `token` (close, keep-alive)? */
export function connectionHas(fields: [string, string][], token: string): boolean {
  return connectionTokens(fields).has(token);
}

/** Is `name` one of our `Via` entries' received-by (`1.1 name`, comments allowed)? */
export function viaHasUs(fields: [string, string][], name: string): boolean {
  for (const [k, v] of fields) {
    if (k !== "via") continue;
    for (const entry of v.split(",")) {
      const by = entry.trim().split(/\s+/)[1];
      if (by === name) return true;
    }
  }
  return false;
}

export interface ForwardOptions {
  /** Our Via pseudonym. */
  via: string;
  /** The client's address, appended to X-Forwarded-For. */
  client: string;
  /** The Host to send (the absolute-form target's authority), or undefined to keep the client's. */
  host?: string;
  /** Keep `Upgrade` and `Connection: upgrade` (a websocket handshake passes through). */
  upgrade?: boolean;
}

/**
 * The request fields to send upstream: hop-by-hop removed (TE keeps only
 * `trailers`), Host set to the target, Via and X-Forwarded-For appended.
 * @example forwardRequestFields([["host","a"],["connection","close"]], { via: "pulsar", client: "127.0.0.1" })
 */
export function forwardRequestFields(fields: [string, string][], opts: ForwardOptions): [string, string][] {
  const named = connectionTokens(fields);
  const out: [string, string][] = [];
  let via: string | undefined;
  let xff: string | undefined;
  let trailers = false;
  let upgradeTo: string | undefined;
  for (const [k, v] of fields) {
    if (k === "te") trailers ||= v.split(",").some((t) => t.trim().split(";")[0]?.toLowerCase() === "trailers");
    if (k === "upgrade") upgradeTo = v;
    if (HOP_BY_HOP.has(k) || (named.has(k) && k !== "via")) continue;
    if (k === "via") via = via === undefined ? v : `${via}, ${v}`;
    else if (k === "x-forwarded-for") xff = xff === undefined ? v : `${xff}, ${v}`;
    else if (k === "host") {
      if (!opts.host) out.push([k, v]);
    } else out.push([k, v]);
  }
  if (opts.host) out.unshift(["host", opts.host]);
  if (trailers) out.push(["te", "trailers"]);
  if (opts.upgrade && upgradeTo) out.push(["connection", "upgrade"], ["upgrade", upgradeTo]);
  out.push(["via", via ? `${via}, 1.1 ${opts.via}` : `1.1 ${opts.via}`]);
  out.push(["x-forwarded-for", xff ? `${xff}, ${opts.client}` : opts.client]);
  return out;
}

/**
 * The response fields to send back to the client: hop-by-hop removed and
 * our Via appended. Framing (Content-Length or chunked) is the caller's.
 * `fields` is a parsed head's list, or a fetch Response's Headers spread.
 */
export function forwardResponseFields(fields: [string, string][], via: string): [string, string][] {
  const named = connectionTokens(fields);
  const out: [string, string][] = [];
  let prior: string | undefined;
  for (const [k, v] of fields) {
    if (HOP_BY_HOP.has(k) || named.has(k) || k === "content-length") continue;
    if (k === "via") prior = prior === undefined ? v : `${prior}, ${v}`;
    else out.push([k, v]);
  }
  out.push(["via", prior ? `${prior}, 1.1 ${via}` : `1.1 ${via}`]);
  return out;
}
