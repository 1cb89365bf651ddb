/**
 * The `rpc` bench section: calc.add over HTTP against the raw Bun.serve hello
 * with the same workers, a batch of 100 calls per request, and the same method
 * served by jayson on Node. wrk POSTs through a Lua script in a temp file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, fmt, freePort, pulsarArgs, type Row, ratio, start, waitHttp, wrk } from "./lib.ts";

const FIXTURES = join(import.meta.dir, "fixtures");

const call = (id: number) => ({ jsonrpc: "2.0", method: "calc.add", params: [id, 2], id });
const ADD = JSON.stringify(call(1));
const BATCH = JSON.stringify(Array.from({ length: 100 }, (_, i) => call(i + 1)));

/** A wrk script that POSTs `body` as application/json. */
function luaPost(dir: string, name: string, body: string): string {
  const file = join(dir, `${name}.lua`);
  writeFileSync(
    file,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${body}]==]\n`,
  );
  return file;
}

/** Poll until `url` answers a JSON-RPC ping over POST. */
async function waitRpc(url: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"jsonrpc":"2.0","method":"ping","id":1}',
      });
      if ((await res.json()).result === "pong") return;
    } catch {}
    await Bun.sleep(20);
  }
  throw new Error(`${url} did not answer a JSON-RPC ping within ${ms} ms`);
}

/** Best of `rounds` runs each of several targets, taken in turn (this machine drifts over a minute). */
async function alternate(runs: (() => Promise<number>)[], rounds = 2): Promise<number[]> {
  const best = runs.map(() => 0);
  for (let r = 0; r < rounds; r++) for (const [i, run] of runs.entries()) best[i] = Math.max(best[i] ?? 0, await run());
  return best;
}

export async function rpcBench(binary: string, add: (row: Row) => void, seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pulsar-bench-rpc-"));
  const addScript = luaPost(dir, "add", ADD);
  const batchScript = luaPost(dir, "batch", BATCH);
  const measure = async (url: string, script?: string) => {
    const r = await wrk(url, 64, seconds, script);
    if (r.errors) console.log(`  rpc ${url}${script ? ` (${script})` : ""}: ${r.errors}`);
    return r.rps;
  };
  try {
    for (const n of [1, 2]) {
      const port = freePort();
      const rawPort = freePort();
      const ours = start([binary, ...pulsarArgs(port, "run", "calculator", "--workers", String(n))]);
      const raws = Array.from({ length: n }, () => start([BUN, join(FIXTURES, "raw-hello.ts"), String(rawPort)]));
      try {
        await waitRpc(`http://127.0.0.1:${port}/`);
        await waitHttp(`http://127.0.0.1:${rawPort}/`);
        const [mine, base] = await alternate([
          () => measure(`http://127.0.0.1:${port}/`, addScript),
          () => measure(`http://127.0.0.1:${rawPort}/`),
        ]);
        add({
          section: "rpc",
          what: `calc.add over HTTP, ${n} worker(s), -c64, requests/s (vs raw hello)`,
          ours: fmt(mine ?? 0),
          baseline: fmt(base ?? 0),
          ratio: ratio(mine ?? 0, base ?? 0),
          goal: "≥ 0.7×",
        });
        if (n === 1) {
          const batch = (await measure(`http://127.0.0.1:${port}/`, batchScript)) * 100;
          add({
            section: "rpc",
            what: "batch of 100 calc.add, 1 worker, -c64, calls/s (vs single calls)",
            ours: fmt(batch),
            baseline: fmt(mine ?? 0),
            ratio: ratio(batch, mine ?? 0),
            goal: "",
          });
          const jport = freePort();
          const jayson = start(["node", join(FIXTURES, "jayson-calc.cjs"), String(jport)]);
          try {
            await waitRpc(`http://127.0.0.1:${jport}/`);
            const [again, peer, hello] = await alternate([
              () => measure(`http://127.0.0.1:${port}/`, addScript),
              () => measure(`http://127.0.0.1:${jport}/`, addScript),
              () => measure(`http://127.0.0.1:${rawPort}/`),
            ]);
            add({
              section: "rpc",
              what: "calc.add, 1 worker vs jayson on Node, -c64, requests/s",
              ours: fmt(again ?? 0),
              baseline: fmt(peer ?? 0),
              ratio: ratio(again ?? 0, peer ?? 0),
              goal: "≥ 3×",
            });
            // The ceiling: the raw Bun.serve hello (no JSON, no dispatch) against the same jayson.
            add({
              section: "rpc",
              what: "raw Bun.serve hello vs jayson calc.add on Node, -c64, requests/s",
              ours: fmt(hello ?? 0),
              baseline: fmt(peer ?? 0),
              ratio: ratio(hello ?? 0, peer ?? 0),
              goal: "",
            });
          } finally {
            await jayson.stop();
          }
        }
      } finally {
        await ours.stop();
        for (const r of raws) await r.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
