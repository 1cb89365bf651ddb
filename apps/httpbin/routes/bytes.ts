/**
 * Timing, streaming and bytes: /delay/{n}, /drip, /stream/{n} (JSON lines),
 * /stream/{m}/{n} (the original's n chunks of m bytes), /bytes/{n},
 * /stream-bytes/{n} and /range/{n}. Every size and delay has a cap; a value
 * over it is clamped.
 */
import { Hono } from "hono";
import { base, body } from "../info.ts";

export const LIMITS = {
  delaySeconds: 10,
  dripSeconds: 10,
  dripBytes: 10 * 2 ** 20,
  streamLines: 100,
  bytes: 10 * 2 ** 20,
  streamBytes: 1024 * 2 ** 20,
  chunk: 2 ** 20,
};

const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);
const num = (raw: string | undefined, dflt: number) => {
  const n = Number(raw ?? dflt);
  return Number.isFinite(n) ? n : dflt;
};

/** mulberry32: a small seeded generator, so `/bytes/{n}?seed=` is reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(n: number, seed: string | undefined): Uint8Array {
  const out = new Uint8Array(n);
  if (seed === undefined) return fill(out);
  const next = seeded(Number(seed) || 0);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}

function fill(out: Uint8Array): Uint8Array {
  for (let i = 0; i < out.length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(i + 65536, out.length)));
  return out;
}

export const bytes = new Hono();

bytes.all("/delay/:n", async (c) => {
  await Bun.sleep(clamp(num(c.req.param("n"), 0), 0, LIMITS.delaySeconds) * 1000);
  const { json: _json, ...fields } = await body(c.req.raw);
  return c.json({ ...base(c), ...fields });
});

bytes.get("/drip", (c) => {
  const duration = clamp(num(c.req.query("duration"), 2), 0, LIMITS.dripSeconds);
  const total = clamp(Math.floor(num(c.req.query("numbytes"), 10)), 0, LIMITS.dripBytes);
  const code = clamp(Math.floor(num(c.req.query("code"), 200)), 200, 599);
  const delay = clamp(num(c.req.query("delay"), 0), 0, LIMITS.delaySeconds);
  const pause = total ? (duration * 1000) / total : 0;
  const stream = new ReadableStream({
    async start(controller) {
      await Bun.sleep(delay * 1000);
      for (let i = 0; i < total; i++) {
        controller.enqueue(new Uint8Array([42]));
        if (pause) await Bun.sleep(pause);
      }
      controller.close();
    },
  });
  return new Response(stream, {
    status: code,
    headers: { "content-type": "application/octet-stream", "content-length": String(total) },
  });
});

bytes.get("/stream/:n", (c) => {
  const n = clamp(Math.floor(num(c.req.param("n"), 1)), 0, LIMITS.streamLines);
  const info = base(c);
  const encoder = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (i >= n) return controller.close();
      controller.enqueue(encoder.encode(`${JSON.stringify({ ...info, id: i++ })}\n`));
    },
  });
  return new Response(stream, { headers: { "content-type": "application/json" } });
});

bytes.get("/stream/:m/:n", (c) => {
  const m = clamp(Math.floor(num(c.req.param("m"), 1)), 1, LIMITS.chunk);
  const n = clamp(Math.floor(num(c.req.param("n"), 1)), 0, Math.floor(LIMITS.streamBytes / m));
  const chunk = new Uint8Array(m).fill(97);
  let i = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (i++ >= n) return controller.close();
      controller.enqueue(chunk);
    },
  });
  return new Response(stream, { headers: { "content-type": "text/plain" } });
});

bytes.get("/bytes/:n", (c) => {
  const n = clamp(Math.floor(num(c.req.param("n"), 0)), 0, LIMITS.bytes);
  return new Response(randomBytes(n, c.req.query("seed")) as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "application/octet-stream" },
  });
});

bytes.get("/stream-bytes/:n", (c) => {
  const n = clamp(Math.floor(num(c.req.param("n"), 0)), 0, LIMITS.streamBytes);
  const size = clamp(Math.floor(num(c.req.query("chunk_size"), 10 * 1024)), 1, LIMITS.chunk);
  const seed = c.req.query("seed");
  const next = seed === undefined ? null : seeded(Number(seed) || 0);
  // Without a seed one random chunk is reused: streaming speed is the point of this route.
  const shared = next ? null : fill(new Uint8Array(size));
  let sent = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (sent >= n) return controller.close();
      const len = Math.min(size, n - sent);
      let chunk: Uint8Array;
      if (next) {
        chunk = new Uint8Array(len);
        for (let i = 0; i < len; i++) chunk[i] = Math.floor(next() * 256);
      } else chunk = (shared as Uint8Array).subarray(0, len);
      sent += len;
      controller.enqueue(chunk);
    },
  });
  return new Response(stream, { headers: { "content-type": "application/octet-stream" } });
});

const ALPHABET = "abcdefghijklmnopqrstuvwxyz";

bytes.get("/range/:n", (c) => {
  const n = clamp(Math.floor(num(c.req.param("n"), 0)), 0, LIMITS.bytes);
  const etag = `range${n}`;
  const headers: Record<string, string> = {
    etag,
    "accept-ranges": "bytes",
    "content-type": "application/octet-stream",
  };
  const range = c.req.header("range");
  const slice = (from: number, to: number) => {
    let s = "";
    for (let i = from; i <= to; i++) s += ALPHABET[i % 26];
    return s;
  };
  if (!range) return new Response(slice(0, n - 1), { headers });
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  let from = m?.[1] ? Number(m[1]) : Number.NaN;
  let to = m?.[2] ? Number(m[2]) : n - 1;
  if (m && !m[1] && m[2]) {
    from = Math.max(0, n - Number(m[2]));
    to = n - 1;
  }
  to = Math.min(to, n - 1);
  if (!m || !(from >= 0) || from > to || from >= n)
    return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${n}` } });
  return new Response(slice(from, to), {
    status: 206,
    headers: { ...headers, "content-range": `bytes ${from}-${to}/${n}` },
  });
});
