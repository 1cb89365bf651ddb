/**
 * `bun run bench client`: HttpClient GET requests/s against bare fetch, in the
 * same loop, against a raw Bun hello in its own process. The two alternate in
 * short rounds so that noise from the shared machine hits both alike.
 */
import { join } from "node:path";
import { HttpClient } from "../../src/client/http-client.ts";
import { BUN, fmt, freePort, median, type Row, ratio, start, waitHttp } from "./lib.ts";

/** Requests completed in `ms` by `concurrency` loops each awaiting `get()` in turn. */
async function rate(get: () => Promise<unknown>, concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await get();
        done++;
      }
    }),
  );
  return (done * 1000) / ms;
}

export async function client(add: (row: Row) => void, seconds: number): Promise<void> {
  const port = freePort();
  const raw = start([BUN, join(import.meta.dir, "fixtures/raw-hello.ts"), String(port)]);
  try {
    const url = `http://127.0.0.1:${port}/`;
    await waitHttp(url);
    await using http = new HttpClient({ baseURL: url, trustEnv: false });
    const bare = async () => (await fetch(url, { proxy: false })).text();
    const ours = async () => (await http.get("")).text();
    for (const concurrency of [1, 16]) {
      const [a, b]: [number[], number[]] = [[], []];
      const round = Math.max(200, (seconds * 1000) / 6);
      for (let i = 0; i < 3; i++) {
        b.push(await rate(bare, concurrency, round));
        a.push(await rate(ours, concurrency, round));
      }
      add({
        section: "client",
        what: `HttpClient GET vs bare fetch, ${concurrency} in flight, req/s`,
        ours: fmt(median(a)),
        baseline: fmt(median(b)),
        ratio: ratio(median(a), median(b)),
        goal: "",
      });
    }
  } finally {
    await raw.stop();
  }
}
