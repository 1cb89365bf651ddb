/**
 * Compression, caching and response shaping: /gzip, /deflate, /brotli, /cache,
 * /cache/{n}, /etag/{etag}, /response-headers (and the original's
 * /response_headers), /base64/{value}.
 */
import { type Context, Hono } from "hono";
import { type ContentCoding, encodeSync } from "../../../src/server/compress.ts";
import { base, headers, origin } from "../info.ts";

export const content = new Hono();

const json = (data: unknown) => JSON.stringify(data, null, 2);
/** httpbin encodes these whatever the Accept-Encoding says. */
const encoded = (body: string, coding: ContentCoding) =>
  new Response(encodeSync(body, coding) as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "application/json", "content-encoding": coding },
  });

/** What the compression routes encode: httpbin's {<flag>: true, headers, method, origin} (no args, no url). */
const compressed = (c: Context, flag: string) =>
  json({ [flag]: true, headers: headers(c), method: c.req.method, origin: origin(c) });
content.get("/gzip", (c) => encoded(compressed(c, "gzipped"), "gzip"));
content.get("/deflate", (c) => encoded(compressed(c, "deflated"), "deflate"));
content.get("/brotli", (c) => encoded(compressed(c, "brotli"), "br"));

content.get("/cache", (c) => {
  if (c.req.header("if-modified-since") || c.req.header("if-none-match")) return c.body(null, 304);
  c.header("last-modified", new Date().toUTCString());
  c.header("etag", crypto.randomUUID().replaceAll("-", ""));
  return c.json(base(c));
});

// Digits only, as python-httpbin's <int:value>: /cache/abc is a 404.
content.get("/cache/:n{[0-9]+}", (c) => {
  c.header("cache-control", `public, max-age=${Number(c.req.param("n"))}`);
  return c.json(base(c));
});

/** Does an If-Match / If-None-Match list name `etag` (or `*`)? */
function listed(header: string, etag: string): boolean {
  return header.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === `"${etag}"` || tag === etag;
  });
}

content.get("/etag/:etag", (c) => {
  const etag = c.req.param("etag");
  const none = c.req.header("if-none-match");
  const match = c.req.header("if-match");
  c.header("etag", etag); // as given, unquoted: httpbin.org's header
  if (none !== undefined && listed(none, etag)) return c.body(null, 304);
  if (match !== undefined && !listed(match, etag)) return c.body(null, 412);
  return c.json(base(c));
});

content.on(["GET", "POST"], ["/response-headers", "/response_headers"], (c) => {
  const params = new URL(c.req.url).searchParams;
  const out: Record<string, string | string[]> = { "Content-Type": "application/json" };
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    for (const v of values) c.header(key, v, { append: true });
    out[key] = values.length === 1 ? (values[0] as string) : values;
  }
  // httpbin shows the body's own Content-Length in the body: grow it until the number fits.
  let text = json(out);
  for (let length = -1; length !== Buffer.byteLength(text); ) {
    length = Buffer.byteLength(text);
    text = json({ ...out, "Content-Length": String(length) });
  }
  return c.body(text, 200, { "content-type": "application/json" });
});

content.get("/base64/:value", (c) => {
  const value = c.req.param("value").replaceAll("-", "+").replaceAll("_", "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return c.text("Incorrect Base64 data try: SFRUUEJJTiBpcyBhd2Vzb21l", 400);
  return c.body(Buffer.from(value, "base64").toString("utf8"), 200, { "content-type": "text/html; charset=utf-8" });
});
