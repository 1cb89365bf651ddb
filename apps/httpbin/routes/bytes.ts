/**
 * Timing, streaming and bytes: /delay/{n}, /drip, /stream/{n} (JSON lines),
 * /stream/{m}/{n} (the original's n chunks of m bytes), /bytes/{n},
 * /stream-bytes/{n} and /range/{n}. Every size and delay has a cap; a value
 * over it is clamped. As in python-httpbin, a count in the path is digits or the
 * route does not match (404), and a malformed query number is refused (400 here,
 * where python answers 500).
 */
import { Hono } from "hono";
import { base, body } from "../info.ts";
import { decimal, integer, refuse, seconds } from "../params.ts";

export const LIMITS = {
  delaySeconds: 10,
  dripSeconds: 10,
  dripBytes: 10 * 2 ** 20,
  streamLines: 100,
  bytes: 10 * 2 ** 20,
  streamBytes: 1024 * 2 ** 20,
  chunk: 2 ** 20,
  rangeSeconds: 10,
};

const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);

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

function randomBytes(n: number, seed: number | undefined): Uint8Array {
  const out = new Uint8Array(n);
  if (seed === undefined) return fill(out);
  const next = seeded(seed);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}

function fill(out: Uint8Array): Uint8Array {
  for (let i = 0; i < out.length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(i + 65536, out.length)));
  return out;
}

const seedOf = (raw: string | undefined) => (raw === undefined ? undefined : integer(raw, "seed", 0));

/**
 * A stream of `count` chunks, chunk i due `dueAt(i)` ms after the start; `make(a, b)` gives the
 * bytes of chunks a to b-1. Waits are on the clock and every chunk due by then goes in one
 * piece: Bun's timers are too coarse for sub-millisecond pauses (a drip of 2000 bytes over 1 s).
 * Bun sends what pull enqueued once pull returns, so a pause is taken before its chunk, never
 * after the previous one.
 */
function paced(
  count: number,
  dueAt: (i: number) => number,
  make: (a: number, b: number) => Uint8Array,
): ReadableStream<Uint8Array> {
  const start = performance.now();
  const wait = (i: number) => dueAt(i) - (performance.now() - start);
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= count) return controller.close();
      for (let ms = wait(i); ms > 0; ms = wait(i)) await Bun.sleep(Math.max(1, ms));
      const first = i++;
      if (wait(count - 1) <= 0) i = count; // all due (no duration): one piece, without a clock read per chunk
      while (i < count && wait(i) <= 0) i++;
      controller.enqueue(make(first, i));
    },
  });
}

export const bytes = new Hono();

bytes.all("/delay/:n", async (c) => {
  await Bun.sleep(Math.min(seconds(c.req.param("n"), "delay", 0), LIMITS.delaySeconds) * 1000);
  const { json: _json, ...fields } = await body(c.req.raw);
  return c.json({ ...base(c), ...fields });
});

bytes.get("/drip", async (c) => {
  const duration = Math.min(seconds(c.req.query("duration"), "duration", 2), LIMITS.dripSeconds);
  const numbytes = integer(c.req.query("numbytes"), "numbytes", 10);
  const code = integer(c.req.query("code"), "code", 200);
  const delay = clamp(decimal(c.req.query("delay"), "delay", 0), 0, LIMITS.delaySeconds);
  if (numbytes <= 0) return c.text("number of bytes must be positive", 400);
  if (code < 200 || code > 599) refuse("code must be from 200 to 599");
  const total = Math.min(numbytes, LIMITS.dripBytes);
  // As python-httpbin: the delay comes before the head, so a client's time to first byte is the delay.
  await Bun.sleep(delay * 1000);
  // One byte at once, then one after each pause: the last one a pause before the duration ends.
  const pause = (duration * 1000) / total;
  const stream = paced(
    total,
    (i) => i * pause,
    (a, b) => new Uint8Array(b - a).fill(42),
  );
  return new Response(stream, {
    status: code,
    headers: { "content-type": "application/octet-stream", "content-length": String(total) },
  });
});

bytes.get("/stream/:n{[0-9]+}", (c) => {
  const n = Math.min(Number(c.req.param("n")), LIMITS.streamLines);
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

bytes.get("/stream/:m{[0-9]+}/:n{[0-9]+}", (c) => {
  const m = clamp(Number(c.req.param("m")), 1, LIMITS.chunk);
  const n = Math.min(Number(c.req.param("n")), Math.floor(LIMITS.streamBytes / m));
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

bytes.get("/bytes/:n{[0-9]+}", (c) => {
  const n = Math.min(Number(c.req.param("n")), LIMITS.bytes);
  return new Response(randomBytes(n, seedOf(c.req.query("seed"))) as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "application/octet-stream" },
  });
});

bytes.get("/stream-bytes/:n{[0-9]+}", (c) => {
  const n = Math.min(Number(c.req.param("n")), LIMITS.streamBytes);
  const size = clamp(integer(c.req.query("chunk_size"), "chunk_size", 10 * 1024), 1, LIMITS.chunk);
  const seed = seedOf(c.req.query("seed"));
  const next = seed === undefined ? null : seeded(seed);
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

/** One end of a range as Python's int() reads it; null when it is not a whole number. */
const bound = (text: string | undefined) => (text !== undefined && /^\s*\+?\d+\s*$/.test(text) ? Number(text) : null);

/**
 * The first and last byte a Range header asks of `n`, read as python-httpbin reads it: the
 * text after `bytes=` split at each `-`, so that a list of ranges (`bytes=0-1,3-4`) is the
 * first one's start to the end, and a header it cannot read is the whole. Unlike python, a last
 * byte past the end is the end (RFC 9110 §14.1.2), not a 416.
 *   requestRange("bytes=-3", 26) // [23, 25]
 */
export function requestRange(header: string | undefined, n: number): [number, number] {
  let first: number | null = null;
  let last: number | null = null;
  const text = (header ?? "").trim();
  const sides = text.split("=");
  if (text.startsWith("bytes") && sides.length === 2) {
    const ends = (sides[1] as string).split("-");
    first = bound(ends[0]);
    last = bound(ends[1]);
  }
  if (first === null) return last === null ? [0, n - 1] : [Math.max(0, n - last), n - 1];
  return [first, Math.min(last ?? n - 1, n - 1)];
}

const letters = (from: number, to: number) => {
  const out = new Uint8Array(to - from + 1);
  for (let i = from; i <= to; i++) out[i - from] = 97 + (i % 26);
  return out;
};

bytes.get("/range/:n{[0-9]+}", (c) => {
  const n = Number(c.req.param("n"));
  const headers: Record<string, string> = { etag: `range${n}`, "accept-ranges": "bytes" };
  if (n <= 0 || n > LIMITS.bytes)
    return c.text(`number of bytes must be in the range (0, ${LIMITS.bytes}]`, 404, headers);
  const size = clamp(integer(c.req.query("chunk_size"), "chunk_size", 10 * 1024), 1, LIMITS.chunk);
  const duration = Math.min(seconds(c.req.query("duration"), "duration", 0), LIMITS.rangeSeconds);
  const [from, to] = requestRange(c.req.header("range"), n);
  if (from > to || from >= n)
    return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${n}` } });
  // python-httpbin's pace: duration spread over all n bytes, with a pause after each full chunk
  // and before a short last one.
  const pause = (duration * 1000) / n;
  const length = to - from + 1;
  const chunks = Math.ceil(length / size);
  const short = length % size;
  const stream = paced(
    chunks,
    (i) => pause * (i * size + (i === chunks - 1 ? short : 0)),
    (a, b) => letters(from + a * size, Math.min(from + b * size - 1, to)),
  );
  return new Response(stream, {
    status: from === 0 && to === n - 1 ? 200 : 206,
    headers: {
      ...headers,
      "content-type": "application/octet-stream",
      "content-length": String(length),
      "content-range": `bytes ${from}-${to}/${n}`,
    },
  });
});
