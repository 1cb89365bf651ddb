/**
 * Compression, caching and response shaping: /gzip, /deflate, /brotli, /cache,
 * /cache/{n}, /etag/{etag}, /response-headers, /base64/{value}.
 */
import { brotliCompressSync, deflateSync } from "node:zlib";
import { Hono } from "hono";
import { base } from "../info.ts";

export const content = new Hono();

const json = (data: unknown) => JSON.stringify(data, null, 2);
const encoded = (body: Uint8Array, encoding: string) =>
  new Response(body as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "application/json", "content-encoding": encoding },
  });

content.get("/gzip", (c) => encoded(Bun.gzipSync(json({ ...base(c), gzipped: true, method: c.req.method })), "gzip"));
content.get("/deflate", (c) =>
  encoded(deflateSync(json({ ...base(c), deflated: true, method: c.req.method })), "deflate"),
);
content.get("/brotli", (c) =>
  encoded(brotliCompressSync(json({ ...base(c), brotli: true, method: c.req.method })), "br"),
);

content.get("/cache", (c) => {
  if (c.req.header("if-modified-since") || c.req.header("if-none-match")) return c.body(null, 304);
  c.header("last-modified", new Date().toUTCString());
  c.header("etag", crypto.randomUUID().replaceAll("-", ""));
  return c.json(base(c));
});

content.get("/cache/:n", (c) => {
  const n = Math.max(0, Math.floor(Number(c.req.param("n")) || 0));
  c.header("cache-control", `public, max-age=${n}`);
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
  c.header("etag", `"${etag}"`);
  if (none !== undefined && listed(none, etag)) return c.body(null, 304);
  if (match !== undefined && !listed(match, etag)) return c.body(null, 412);
  return c.json(base(c));
});

content.on(["GET", "POST"], "/response-headers", (c) => {
  const params = new URL(c.req.url).searchParams;
  const out: Record<string, string | string[]> = { "Content-Type": "application/json" };
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    for (const v of values) c.header(key, v, { append: true });
    out[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return c.body(json(out), 200, { "content-type": "application/json" });
});

content.get("/base64/:value", (c) => {
  const value = c.req.param("value").replaceAll("-", "+").replaceAll("_", "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return c.text("Incorrect Base64 data try: SFRUUEJJTiBpcyBhd2Vzb21l", 400);
  return c.text(Buffer.from(value, "base64").toString("utf8"));
});
