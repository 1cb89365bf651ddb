/**
 * One chat round for the e2e tests: Bun and Python websocket clients spread
 * over one or more chat URLs each send their messages, and every client must
 * receive every message exactly once. Duplicates are caught without a sleep:
 * once all have arrived, a last "END" message is published, and whatever was
 * relayed before it (a duplicate included) reaches each client before it.
 */
import { expect } from "bun:test";
import { ROOT, until } from "../helpers/proc.ts";

export const PYTHON = "/usr/bin/python3";

interface Client {
  ws: WebSocket;
  got: string[];
  bad: number;
  ended: boolean;
}

function bunClient(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c: Client = { ws: new WebSocket(`${url.replace(/^http/, "ws")}/message`), got: [], bad: 0, ended: false };
    c.ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data));
      if (Object.keys(frame).sort().join() !== "message,time" || typeof frame.time !== "number") c.bad++;
      else if (Math.abs(frame.time - Date.now() / 1000) > 60) c.bad++;
      if (frame.message === "END") c.ended = true;
      else c.got.push(frame.message);
    };
    c.ws.onopen = () => resolve(c);
    c.ws.onerror = () => reject(new Error(`cannot connect to ${url}/message`));
  });
}

/** Python's websockets clients, in one process driven through its stdin. */
class PythonClients implements AsyncDisposable {
  readonly proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  out = "";
  constructor(urls: string[], n: number, per: number) {
    const ws = urls.map((u) => u.replace(/^http/, "ws")).join(",");
    this.proc = Bun.spawn([PYTHON, `${ROOT}/tests/fixtures/chat/clients.py`, ws, String(n), String(per), "py"], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const pump = async (s: ReadableStream<Uint8Array>) => {
      const d = new TextDecoder();
      const reader = s.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) this.out += d.decode(r.value);
    };
    pump(this.proc.stdout);
    pump(this.proc.stderr);
  }
  wait(re: RegExp, ms: number): Promise<RegExpMatchArray> {
    return until(() => this.out.match(re), ms, `${re} from the Python clients:\n${this.out}`);
  }
  go(expected: number): void {
    this.proc.stdin.write(`${expected}\n`);
    this.proc.stdin.flush();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    await this.proc.exited;
  }
}

/** Run `bunCount` Bun clients and `pyCount` Python clients, each sending `per` messages, over `urls`. */
export async function chatRound(urls: string[], bunCount: number, pyCount: number, per: number): Promise<void> {
  const total = (bunCount + pyCount) * per;
  await using py = pyCount ? new PythonClients(urls, pyCount, per) : null;
  const clients = await Promise.all(
    Array.from({ length: bunCount }, (_, i) => bunClient(urls[i % urls.length] as string)),
  );
  try {
    if (py) {
      await py.wait(/ready/, 20_000);
      py.go(total);
    }
    for (let j = 0; j < per; j++) for (const [i, c] of clients.entries()) c.ws.send(`  bun${i}-${j}  `);
    await until(() => clients.every((c) => c.got.length >= total), 90_000, `${total} messages on every Bun client`);
    if (py) await py.wait(/got-all/, 90_000);
    expect(await rpcMessage(urls[0] as string, "END")).toMatchObject({ result: "OK" });
    await until(() => clients.every((c) => c.ended), 20_000, "END on every client");
    const want = expected(bunCount, pyCount, per);
    for (const c of clients) {
      expect(c.bad).toBe(0);
      expect(c.got.length).toBe(total);
      expect([...c.got].sort()).toEqual(want);
    }
    if (py) {
      const line = await py.wait(/^\{.*\}$/m, 30_000);
      const { got, shaped } = JSON.parse(line[0]) as { got: string[][]; shaped: boolean[] };
      expect(got.length).toBe(pyCount);
      expect(shaped.every(Boolean)).toBe(true);
      for (const g of got) {
        expect(g.length).toBe(total);
        expect([...g].sort()).toEqual(want);
      }
    }
  } finally {
    for (const c of clients) c.ws.close();
  }
}

/** Publish `text` through POST /rpc; resolves to the JSON-RPC answer. */
export async function rpcMessage(url: string, text: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "message", params: [text] }),
  });
  return (await res.json()) as Record<string, unknown>;
}

function expected(bun: number, py: number, per: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < bun; i++) for (let j = 0; j < per; j++) out.push(`bun${i}-${j}`);
  for (let i = 0; i < py; i++) for (let j = 0; j < per; j++) out.push(`py${i}-${j}`);
  return out.sort();
}
