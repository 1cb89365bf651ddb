/**
 * The request "info" JSON that httpbin.org returns: args, headers, origin and
 * url, plus data, files, form and json for the body-carrying methods.
 */
import type { Context } from "hono";

type Multi = Record<string, string | string[]>;

const titled = new Map<string, string>();

/**
 * Header names in Title-Case as python-httpbin shows them: werkzeug's `str.title()`, which
 * upper-cases a letter after any non-letter (a digit too) and lower-cases the rest of each run
 * of letters: `x-b3-traceid` is `X-B3-Traceid`, `x-1abc` is `X-1Abc`. Header names are ASCII
 * tokens, so ASCII letters are the runs. Cached: the same few names come every time.
 *   titleCase("x-1abc-b3x") // "X-1Abc-B3X"
 */
export function titleCase(name: string): string {
  let title = titled.get(name);
  if (title === undefined) {
    title = name.replace(/[a-z]+/gi, (run) => run.charAt(0).toUpperCase() + run.slice(1).toLowerCase());
    if (titled.size < 4096) titled.set(name, title);
  }
  return title;
}

/** Collapse repeated keys into arrays, as httpbin does for args and form fields. */
function multi(pairs: Iterable<[string, string]>): Multi {
  const out: Multi = {};
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** What answers requestIP: the Bun server (Hono's `c.env`), absent in-process. */
type Server = { requestIP?: (r: Request) => { address: string } | null } | undefined;

/** A request and its server, as the routes see them: a Hono context, or a bare pair. */
export type From = Context | { req: { raw: Request }; env?: unknown };

export function args(from: From): Multi {
  const url = from.req.raw.url;
  return url.includes("?") ? multi(new URL(url).searchParams) : {};
}

/**
 * python-httpbin's ENV_HEADERS (helpers.py), lower-cased as Bun hands names over: what the hosting
 * platform's proxies add, which it hides from the echoed headers (see `headers`).
 */
const ENV_HEADERS = new Set([
  "x-varnish",
  "x-request-start",
  "x-heroku-queue-depth",
  "x-real-ip",
  "x-forwarded-proto",
  "x-forwarded-protocol",
  "x-forwarded-ssl",
  "x-heroku-queue-wait-time",
  "x-forwarded-for",
  "x-heroku-dynos-in-use",
  "x-forwarded-port",
  "x-request-id",
  "via",
  "total-route-time",
  "connect-time",
]);

/** Python matches names after WSGI folded case and `_` into `-` (X_Real_Ip is X-Real-Ip there). */
function isEnvHeader(name: string): boolean {
  return ENV_HEADERS.has(name) || (name.includes("_") && ENV_HEADERS.has(name.replaceAll("_", "-")));
}

/** python-httpbin's rule: `show_env` among the query's keys, whatever its value (even none). */
export function showsEnv(url: string): boolean {
  return url.includes("?") && new URL(url).searchParams.has("show_env");
}

/**
 * The request's headers in Title-Case, without the environment ones (X-Forwarded-For, X-Real-Ip,
 * Via…) unless the query has `show_env`, as python-httpbin echoes them. `hideEnv: false` keeps
 * them all. The query is only parsed when such a header comes: most requests carry none.
 *   headers(c) // { Host: "…", "User-Agent": "…" }
 */
export function headers(from: From, hideEnv = true): Record<string, string> {
  const out: Record<string, string> = {};
  let hide: boolean | undefined;
  from.req.raw.headers.forEach((value, name) => {
    if (hideEnv && isEnvHeader(name)) {
      if (hide === undefined) hide = !showsEnv(from.req.raw.url);
      if (hide) return;
    }
    out[titleCase(name)] = value;
  });
  return out;
}

/**
 * The client address: X-Forwarded-For whole if it came (a chain stays "1.2.3.4, 5.6.7.8", and
 * an empty one stays empty), else the socket's peer, as python-httpbin's
 * `headers.get('X-Forwarded-For', remote_addr)`: clients written against httpbin.org see the chain.
 */
export function origin(from: From): string {
  const forwarded = from.req.raw.headers.get("x-forwarded-for");
  if (forwarded !== null) return forwarded;
  return (from.env as Server)?.requestIP?.(from.req.raw)?.address ?? "127.0.0.1";
}

/**
 * The URL the client asked for: a proxy's X-Forwarded-Proto (or X-Forwarded-Protocol, or
 * X-Forwarded-Ssl: on) sets the scheme, as python-httpbin's get_url does. Like X-Forwarded-For
 * in `origin`, it is believed from any client: httpbin has no trusted-proxy setting, and the
 * header only changes what is echoed back. X-Forwarded-Host is ignored, as python-httpbin does.
 */
export function url(from: From): string {
  const raw = from.req.raw;
  const h = raw.headers;
  const forwarded =
    h.get("x-forwarded-proto") || h.get("x-forwarded-protocol") || (h.get("x-forwarded-ssl") === "on" ? "https" : "");
  if (!forwarded) return raw.url;
  // A chain of proxies lists the client's side first ("https, http").
  const scheme = (forwarded.split(",")[0] as string).trim().toLowerCase();
  return SCHEME.test(scheme) ? scheme + raw.url.slice(raw.url.indexOf(":")) : raw.url;
}

const SCHEME = /^[a-z][a-z0-9+.-]*$/;

export function base(from: From): Record<string, unknown> {
  return { args: args(from), headers: headers(from), origin: origin(from), url: url(from) };
}

/** Bytes as text when they are UTF-8, else a base64 data URL (httpbin's rule). */
export function textOrDataUrl(bytes: Uint8Array, type = "application/octet-stream"): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return `data:${type};base64,${Buffer.from(bytes).toString("base64")}`;
  }
}

/** The body fields of a request: data, files, form, json. */
export async function body(req: Request): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  const out = { data: "", files: {} as Multi, form: {} as Multi, json: null as unknown };
  if (type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")) {
    const form = await req.formData();
    const fields: [string, string][] = [];
    const files: [string, string][] = [];
    for (const [name, value] of form.entries() as Iterable<[string, string | File]>) {
      if (typeof value === "string") fields.push([name, value]);
      else files.push([name, textOrDataUrl(new Uint8Array(await value.arrayBuffer()), value.type || undefined)]);
    }
    out.form = multi(fields);
    out.files = multi(files);
    return out;
  }
  const bytes = new Uint8Array(await req.arrayBuffer());
  out.data = textOrDataUrl(bytes);
  if (type.includes("json") && bytes.length) {
    try {
      out.json = JSON.parse(out.data);
    } catch {
      out.json = null;
    }
  }
  return out;
}
