/**
 * The proxy from the binary, two workers: curl for http and https (CONNECT),
 * Python's requests with proxies=, Chromium with proxy auth, git clone and push
 * (smart HTTP), npm install from a registry, and 100 MB each way in bounded memory.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, selfSigned, startOrigin } from "../apps/proxy-helpers.ts";
import { freePort, Proc, tempDir } from "../helpers/proc.ts";
import { hasChromium, hasPythonRequests, launchChromium } from "../helpers/tools.ts";

const MB = 1 << 20;
const dir = tempDir();
let arb: Proc;
let proxyUrl: string;
let workers: number[];
let plain: ReturnType<typeof startOrigin>;
let secure: ReturnType<typeof startOrigin>;
let tls: Awaited<ReturnType<typeof selfSigned>>;
/** Bytes the /upload route received. */
let uploaded = 0;

// A 100 MB download streamed in 1 MB pieces without Content-Length, and an upload sink.
const bulk = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    if (new URL(req.url).pathname === "/upload") {
      uploaded = 0;
      for await (const chunk of (req.body ?? []) as unknown as AsyncIterable<Uint8Array>) uploaded += chunk.length;
      return new Response(String(uploaded));
    }
    const piece = new Uint8Array(MB).fill(120);
    let sent = 0;
    return new Response(
      new ReadableStream({
        pull(c) {
          if (sent++ === 100) c.close();
          else c.enqueue(piece);
        },
      }),
    );
  },
});

beforeAll(async () => {
  tls = await selfSigned(dir.path);
  plain = startOrigin();
  secure = startOrigin({ cert: tls.cert, key: tls.key });
  arb = await Proc.binary([
    "run",
    "proxy",
    "--workers",
    "2",
    "--bind",
    "127.0.0.1:0",
    "--connect-ports",
    `443,${secure.port}`,
    "--pid-file",
    join(dir.path, "a.pid"),
    "--log-level",
    "info",
  ]);
  proxyUrl = await arb.url();
  workers = await arb.waitChildren(2);
});
afterAll(async () => {
  await arb?.[Symbol.asyncDispose]();
  plain?.[Symbol.dispose]();
  secure?.[Symbol.dispose]();
  bulk.stop(true);
  dir[Symbol.dispose]();
});

/** Resident set size of `pid` in bytes, from /proc. */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Run `work` while sampling the workers' RSS; returns the peak growth over the start, in bytes. */
async function peakGrowth(work: () => Promise<void>): Promise<number> {
  const start = workers.map(rss);
  let peak = 0;
  const sample = () => {
    workers.forEach((pid, i) => {
      peak = Math.max(peak, rss(pid) - (start[i] as number));
    });
  };
  const timer = setInterval(sample, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  sample();
  return peak;
}

describe("pulsar run proxy --upstream https://…", () => {
  it("relays through fetch to an https upstream the system trusts (NODE_EXTRA_CA_CERTS)", async () => {
    const streamed = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: tls.cert, key: tls.key },
      fetch: () =>
        new Response(
          new ReadableStream({
            async start(c) {
              c.enqueue(new TextEncoder().encode("part one, "));
              await Bun.sleep(10);
              c.enqueue(new TextEncoder().encode("part two"));
              c.close();
            },
          }),
        ),
    });
    const sub = tempDir();
    await using rev = await Proc.binary(
      [
        "run",
        "proxy",
        "--upstream",
        `https://127.0.0.1:${streamed.port}`,
        "--bind",
        "127.0.0.1:0",
        "--pid-file",
        join(sub.path, "a.pid"),
        "--log-level",
        "info",
      ],
      { env: { NODE_EXTRA_CA_CERTS: tls.certFile } },
    );
    try {
      const url = await rev.url();
      const r = await run(["curl", "-sS", "-i", `${url}/any`]);
      expect(r.out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(r.out).toMatch(/transfer-encoding: chunked\r\n/);
      expect(r.out).toMatch(/via: 1\.1 pulsar-/);
      expect(r.out.endsWith("\r\n\r\npart one, part two")).toBe(true);
      const old = await run(["curl", "-sS", "-i", "--http1.0", `${url}/any`]);
      expect(old.out).toMatch(/connection: close\r\n/);
      expect(old.out.endsWith("\r\n\r\npart one, part two")).toBe(true);
    } finally {
      streamed.stop(true);
      sub[Symbol.dispose]();
    }
  });
});

/**
 * A git smart-HTTP server: `git http-backend` as a CGI, one process per
 * request, serving the bare repositories under `root`. Records each request's
 * Via, which shows that it came through the proxy.
 */
function gitServer(root: string) {
  const vias: (string | null)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      vias.push(req.headers.get("via"));
      const url = new URL(req.url);
      const body = new Uint8Array(await req.arrayBuffer());
      const cgi = Bun.spawn(["git", "http-backend"], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          GIT_PROJECT_ROOT: root,
          GIT_HTTP_EXPORT_ALL: "1",
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.slice(1),
          REQUEST_METHOD: req.method,
          CONTENT_TYPE: req.headers.get("content-type") ?? "",
          CONTENT_LENGTH: String(body.length),
          HTTP_CONTENT_ENCODING: req.headers.get("content-encoding") ?? "",
          REMOTE_ADDR: "127.0.0.1",
        },
        stdin: body,
        stdout: "pipe",
        stderr: "ignore",
      });
      const out = Buffer.from(await new Response(cgi.stdout).arrayBuffer());
      await cgi.exited;
      const end = out.indexOf("\r\n\r\n");
      const headers = new Headers();
      let status = 200;
      for (const line of out.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        const [name, value] = [line.slice(0, colon), line.slice(colon + 1).trim()];
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else headers.append(name, value);
      }
      return new Response(out.subarray(end + 4), { status, headers });
    },
  });
  return { server, vias, [Symbol.dispose]: () => server.stop(true) };
}

describe("pulsar run proxy --workers 2", () => {
  it("serves curl -x for http", async () => {
    const r = await run(["curl", "-sS", "-x", proxyUrl, `http://127.0.0.1:${plain.port}/headers`]);
    expect(JSON.parse(r.out).headers.via).toMatch(/^1\.1 pulsar-/);
  });

  it("serves curl -x for https through a CONNECT tunnel to a server with a self-signed cert", async () => {
    const r = await run(["curl", "-sS", "-x", proxyUrl, "--cacert", tls.certFile, `https://127.0.0.1:${secure.port}/`]);
    expect(r.err).toBe("");
    expect(r.out).toBe(`hello from ${secure.port}\n`);
  });

  it.if(hasPythonRequests())("serves Python requests with proxies= for http and https", async () => {
    const script = `
import sys, requests
proxy, plain, secure, ca = sys.argv[1:5]
proxies = {"http": proxy, "https": proxy}
r = requests.get(plain + "/headers", proxies=proxies, headers={"X-Forwarded-For": "10.9.9.9"})
h = r.json()["headers"]
assert h["x-forwarded-for"] == "10.9.9.9, 127.0.0.1", h
assert h["via"].startswith("1.1 pulsar-"), h
r = requests.post(plain + "/echo", data=b"from python", proxies=proxies)
assert r.content == b"from python", r.content
r = requests.get(secure + "/", proxies=proxies, verify=ca)
assert r.text.startswith("hello from"), r.text
print("ok")
`;
    const r = await run([
      "/usr/bin/python3",
      "-c",
      script,
      proxyUrl,
      `http://127.0.0.1:${plain.port}`,
      `https://127.0.0.1:${secure.port}`,
      tls.certFile,
    ]);
    expect(r.err).toBe("");
    expect(r.out.trim()).toBe("ok");
  });

  it.if(hasChromium())(
    "serves Chromium, which answers its 407 with Basic credentials, for http pages and https through CONNECT",
    async () => {
      await using guarded = await Proc.binary([
        "run",
        "proxy",
        "--bind",
        "127.0.0.1:0",
        "--connect-ports",
        String(secure.port),
        "--proxy-auth",
        "browser:s3cret",
        "--access-log",
        "--pid-file",
        join(dir.path, "guarded.pid"),
      ]);
      const server = await guarded.url();
      const browser = await launchChromium({
        // Chromium never proxies loopback unless told to: <-loopback> removes that exception.
        proxy: { server, bypass: "<-loopback>", username: "browser", password: "s3cret" },
      });
      try {
        const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
        const plainPage = await page.goto(`http://127.0.0.1:${plain.port}/headers`);
        const seen = JSON.parse((await page.textContent("body")) ?? "{}");
        expect(plainPage?.status()).toBe(200);
        expect(seen.headers.via).toMatch(/^1\.1 pulsar-/);
        expect(seen.headers["proxy-authorization"]).toBeUndefined(); // the proxy's credentials stop at the proxy
        const securePage = await page.goto(`https://127.0.0.1:${secure.port}/`);
        expect(securePage?.status()).toBe(200);
        expect(await page.textContent("body")).toBe(`hello from ${secure.port}\n`);
        // Both went through the proxy, after Chromium answered the 407s with the credentials.
        // (A tunnel is logged when it ends: closing the browser ends it.)
        await browser.close();
        await guarded.waitFor(new RegExp(`"GET http://127\\.0\\.0\\.1:${plain.port}/headers HTTP/1\\.1" 200`));
        await guarded.waitFor(new RegExp(`"CONNECT 127\\.0\\.0\\.1:${secure.port} HTTP/1\\.1" 200`));
        expect(guarded.output).toMatch(/" 407 /);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it("serves git: a clone and a push over smart HTTP, through http.proxy", async () => {
    const root = join(dir.path, "git");
    const work = join(dir.path, "work");
    mkdirSync(root);
    const git = async (...args: string[]) => {
      const r = await run(["git", "-c", "user.name=Tester", "-c", "user.email=t@example.com", ...args]);
      expect({ args, err: r.code ? r.err : "" }).toEqual({ args, err: "" });
      return r.out;
    };
    await git("init", "-q", "-b", "main", "--bare", join(root, "repo.git"));
    await git("-C", join(root, "repo.git"), "config", "http.receivepack", "true");
    await git("init", "-q", "-b", "main", work);
    writeFileSync(join(work, "README"), "first\n");
    await git("-C", work, "add", "README");
    await git("-C", work, "commit", "-qm", "first");
    await git("-C", work, "push", "-q", join(root, "repo.git"), "main");

    using origin = gitServer(root);
    const remote = `http://127.0.0.1:${origin.server.port}/repo.git`;
    const clone = join(dir.path, "clone");
    await git("-c", `http.proxy=${proxyUrl}`, "clone", "-q", remote, clone);
    expect(readFileSync(join(clone, "README"), "utf8")).toBe("first\n");
    // A push: the pack travels up through the proxy as a POST body, chunked since it passes
    // git's 1 MB http.postBuffer (random bytes do not compress).
    writeFileSync(join(clone, "data.bin"), randomBytes(2 * MB));
    await git("-C", clone, "add", "data.bin");
    await git("-C", clone, "commit", "-qm", "second");
    await git("-C", clone, "-c", `http.proxy=${proxyUrl}`, "push", "-q", "origin", "main");
    expect(await git("-C", join(root, "repo.git"), "log", "--format=%s", "main")).toBe("second\nfirst\n");
    expect(origin.vias.length).toBeGreaterThanOrEqual(4); // refs and pack, for the clone and for the push
    for (const via of origin.vias) expect(via).toMatch(/^1\.1 pulsar-/);
  }, 30_000);

  it("serves npm: install from a registry through --proxy", async () => {
    const pkg = join(dir.path, "npm-src", "package");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({ name: "pulsar-tiny", version: "1.0.0", main: "index.js" }),
    );
    writeFileSync(join(pkg, "index.js"), "module.exports = 'tiny through the proxy';\n");
    const tgz = join(dir.path, "pulsar-tiny-1.0.0.tgz");
    expect((await run(["tar", "-czf", tgz, "-C", join(dir.path, "npm-src"), "package"])).code).toBe(0);
    const tarball = readFileSync(tgz);
    const integrity = `sha512-${new Bun.CryptoHasher("sha512").update(tarball).digest("base64")}`;
    const vias: (string | null)[] = [];
    using registry = {
      server: Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch(req, server) {
          vias.push(req.headers.get("via"));
          const path = new URL(req.url).pathname;
          if (path === "/pulsar-tiny/-/pulsar-tiny-1.0.0.tgz") return new Response(tarball);
          if (path !== "/pulsar-tiny") return new Response("not found\n", { status: 404 });
          const dist = { tarball: `http://127.0.0.1:${server.port}${path}/-/pulsar-tiny-1.0.0.tgz`, integrity };
          return Response.json({
            name: "pulsar-tiny",
            "dist-tags": { latest: "1.0.0" },
            versions: { "1.0.0": { name: "pulsar-tiny", version: "1.0.0", main: "index.js", dist } },
          });
        },
      }),
      [Symbol.dispose]() {
        this.server.stop(true);
      },
    };
    const project = join(dir.path, "npm-project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), "{}");
    writeFileSync(join(project, ".npmrc"), "");
    const env = { ...process.env, NO_PROXY: "", no_proxy: "", npm_config_userconfig: join(project, ".npmrc") };
    const npm = Bun.spawn(
      [
        "npm",
        "install",
        "--registry",
        `http://127.0.0.1:${registry.server.port}/`,
        "--proxy",
        proxyUrl,
        "--cache",
        join(dir.path, "npm-cache"),
        "--no-audit",
        "--no-fund",
        "--no-update-notifier",
        "pulsar-tiny",
      ],
      { cwd: project, env, stdout: "pipe", stderr: "pipe" },
    );
    const err = await new Response(npm.stderr).text();
    expect({ code: await npm.exited, err }).toEqual({ code: 0, err: "" });
    const installed = join(project, "node_modules", "pulsar-tiny", "index.js");
    expect(readFileSync(installed, "utf8")).toBe("module.exports = 'tiny through the proxy';\n");
    expect(vias.length).toBe(2); // the packument, then the tarball
    for (const via of vias) expect(via).toMatch(/^1\.1 pulsar-/);
  }, 60_000);

  it("streams a 100 MB download through in bounded memory", async () => {
    let out = "";
    const growth = await peakGrowth(async () => {
      const r = await run([
        "curl",
        "-sS",
        "-x",
        proxyUrl,
        "-o",
        "/dev/null",
        "-w",
        "%{size_download}",
        `http://127.0.0.1:${bulk.port}/`,
      ]);
      out = r.out;
    });
    expect(Number(out)).toBe(100 * MB);
    expect(growth).toBeLessThan(64 * MB); // a proxy that buffered would grow by 100 MB
  });

  it("streams a 100 MB upload through in bounded memory", async () => {
    const file = join(dir.path, "upload.bin");
    await run(["truncate", "-s", String(100 * MB), file]);
    let out = "";
    const growth = await peakGrowth(async () => {
      const r = await run(["curl", "-sS", "-x", proxyUrl, "-T", file, `http://127.0.0.1:${bulk.port}/upload`]);
      out = r.out;
    });
    expect(out).toBe(String(100 * MB));
    expect(uploaded).toBe(100 * MB);
    expect(growth).toBeLessThan(64 * MB); // a proxy that buffered would grow by 100 MB
  });
});

describe("pulsar run proxy --upstream", () => {
  it("balances over the live upstreams, skips a dead one, passes a websocket, and stops cleanly", async () => {
    const a = startOrigin();
    const b = startOrigin();
    const dead = `http://127.0.0.1:${freePort()}`;
    await using rev = await Proc.binary([
      "run",
      "proxy",
      "--workers",
      "2",
      "--bind",
      "127.0.0.1:0",
      "--upstream",
      dead,
      "--upstream",
      `http://127.0.0.1:${a.port},http://127.0.0.1:${b.port}`,
      "--pid-file",
      join(dir.path, "rev.pid"),
      "--log-level",
      "info",
    ]);
    try {
      const url = await rev.url();
      await rev.waitChildren(2);
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`${url}/`, { headers: { connection: "close" } });
        expect(res.status).toBe(200);
        seen.add((await res.text()).trim());
      }
      expect(seen).toEqual(new Set([`hello from ${a.port}`, `hello from ${b.port}`]));
      const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
      const got = new Promise<string>((resolve, reject) => {
        ws.onmessage = (e) => resolve(String(e.data));
        ws.onerror = () => reject(new Error("websocket failed"));
      });
      ws.onopen = () => ws.send("via reverse");
      expect(await got).toBe("echo:via reverse");
      ws.close();
      rev.signal("SIGTERM");
      expect(await rev.exitCode()).toBe(0);
    } finally {
      a[Symbol.dispose]();
      b[Symbol.dispose]();
    }
  });
});
