/** `dist/pulsar run calculator` compresses its large JSON-RPC answers for curl --compressed, and only those. */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { Proc, tempDir } from "../helpers/proc.ts";

/** curl's response head (lower-cased names) and body; --compressed decodes the body as it says. */
async function curl(url: string, body: string, ...flags: string[]) {
  const args = ["curl", "-sS", "-D", "-", "-H", "content-type: application/json", "--data", body, ...flags, url];
  const p = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`curl failed: ${await new Response(p.stderr).text()}`);
  const split = out.indexOf("\r\n\r\n");
  const headers = new Map<string, string>();
  for (const line of out.slice(0, split).split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: out.slice(split + 4) };
}

const call = (method: string, params: unknown) => JSON.stringify({ jsonrpc: "2.0", method, params, id: 1 });

describe("pulsar run calculator: compression", () => {
  const dir = tempDir();
  let arb: Proc;
  let url: string;

  beforeAll(async () => {
    arb = await Proc.run("calculator", dir.path, "--workers", "1");
    url = `${await arb.url()}/`;
  });
  afterAll(async () => {
    await arb[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
  });

  // sigma 0 makes the walk deterministic, so both answers can be compared.
  const paths = call("calc.randompaths", { num_paths: 10, size: 250, mu: 0.25, sigma: 0 });

  it("gzips calc.randompaths for curl --compressed, to the same answer as uncompressed", async () => {
    const zipped = await curl(url, paths, "--compressed");
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toBe("Accept-Encoding");
    const plain = await curl(url, paths);
    expect(plain.headers.get("content-encoding")).toBeUndefined();
    expect(plain.headers.get("vary")).toBe("Accept-Encoding");
    expect(zipped.body).toBe(plain.body);
    const sent = Number(zipped.headers.get("content-length"));
    expect(sent).toBeLessThan(Number(plain.headers.get("content-length")) / 4);
    const answer = JSON.parse(plain.body);
    expect(answer.result).toHaveLength(10);
    expect(answer.result[0].slice(0, 3)).toEqual([0, 0.25, 0.5]);
  });

  it("leaves a small answer such as calc.add uncompressed, without Vary", async () => {
    const add = await curl(url, call("calc.add", [1, 2]), "--compressed");
    expect(add.headers.get("content-encoding")).toBeUndefined();
    expect(add.headers.get("vary")).toBeUndefined();
    expect(JSON.parse(add.body)).toEqual({ jsonrpc: "2.0", result: 3, id: 1 });
  });
});
