/** HttpClient against `pulsar run httpbin --workers 2` from the binary: the library's client and the bundled app together. */
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { HttpClient } from "../../src/index.ts";
import { Proc, ROOT, tempDir } from "../helpers/proc.ts";

setDefaultTimeout(60_000);
const dir = tempDir();
let arb: Proc;
let url: string;
beforeAll(async () => {
  arb = await Proc.run("httpbin", dir.path, "--workers", "2");
  url = await arb.url();
});
afterAll(async () => {
  await arb[Symbol.asyncDispose]();
  dir[Symbol.dispose]();
});

describe("HttpClient against the binary's httpbin", () => {
  it("keeps a cookie session across redirects and requests", async () => {
    await using http = new HttpClient({ baseURL: url, timeout: 10_000 });
    const r = await http.get("/cookies/set/session/42");
    expect(r.history.map((h) => h.status)).toEqual([302]);
    expect(await (await http.get("/cookies")).json()).toEqual({ cookies: { session: "42" } });
  });

  it("passes Digest SHA-256 auth and reads gzip and a streamed body", async () => {
    await using http = new HttpClient({ baseURL: url, auth: { username: "u", password: "p", scheme: "digest" } });
    expect((await http.get("/digest-auth/auth/u/p/SHA-256")).status).toBe(200);
    expect(((await (await http.get("/gzip")).json()) as { gzipped: boolean }).gzipped).toBe(true);
    const r = await http.get("/stream/3", { stream: true });
    const ids: number[] = [];
    for await (const line of r.lines()) ids.push(JSON.parse(line).id);
    expect(ids).toEqual([0, 1, 2]);
  });

  it("talks to /websocket/echo", async () => {
    await using http = new HttpClient({ baseURL: url });
    await using ws = await http.websocket("/websocket/echo");
    ws.send("through the binary");
    expect(await ws.receive(5000)).toBe("through the binary");
  });
});

describe("examples/http-client.ts", () => {
  it("runs against the binary's httpbin and prints each step", async () => {
    await using run = Proc.script(join(ROOT, "examples/http-client.ts"), [url]);
    expect(await run.exitCode()).toBe(0);
    expect(run.output).toContain('GET /get 200 {\n  a: "1",\n}');
    expect(run.output).toContain("after 1 redirect(s)");
    expect(run.output).toContain("digest 200");
    expect(run.output).toContain("stream line 2");
    expect(run.output).toContain(`error E_HTTP_STATUS 418 I'm a Teapot for GET ${url}/status/418`);
    expect(run.output).toContain("websocket echo ping");
  });
});
