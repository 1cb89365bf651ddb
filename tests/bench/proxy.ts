/**
 * `bun run bench proxy`: `pulsar run proxy --workers 2` in front of a raw Bun
 * hello server, against tinyproxy set up the same way and against going
 * direct (wrk sends absolute-form requests to the proxies); CONNECT tunnel
 * throughput against a direct TLS download; peak worker RSS while 1 GB
 * streams through each way.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALLOCATOR_ENV } from "../../src/actor/worker-handle.ts";
import { childrenOf } from "../helpers/proc.ts";
import { selfSigned } from "../helpers/tls.ts";
import { BUN, fmt, freePort, type Row, ratio, rssOf, start, waitHttp, wrk } from "./lib.ts";

const MB = 2 ** 20;

async function sh(cmd: string[]): Promise<string> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return out;
}

/** Until something accepts TCP connections on `port`. */
async function waitPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      (await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })).end();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
      await Bun.sleep(20);
    }
  }
}

/** The proxy's workers' summed RSS, sampled every 50 ms while `work` runs; returns the peak. */
async function peakRss(arbiterPid: number, work: () => Promise<unknown>): Promise<number> {
  let peak = 0;
  const sample = () => {
    const total = childrenOf(arbiterPid).reduce((n, pid) => n + rssOf(pid), 0);
    peak = Math.max(peak, total);
  };
  const timer = setInterval(sample, 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return peak;
}

export async function proxyBench(binary: string, add: (row: Row) => void, seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pulsar-bench-proxy-"));
  const helloPort = freePort();
  const hello = start([BUN, join(import.meta.dir, "fixtures/raw-hello.ts"), String(helloPort)]);
  const proxyPort = freePort();
  const floorPort = freePort();
  // The floor: a minimal Bun.listen relay in two processes, like the proxy's two workers.
  const floors = [1, 2].map(() =>
    start([BUN, join(import.meta.dir, "fixtures/raw-proxy.ts"), String(floorPort)], ALLOCATOR_ENV),
  );
  const tinyPort = freePort();
  const tlsPort = freePort();
  const pidFile = join(dir, "a.pid");
  const ours = start([
    binary,
    "run",
    "proxy",
    "--workers",
    "2",
    "--bind",
    `127.0.0.1:${proxyPort}`,
    "--connect-ports",
    String(tlsPort),
    "--log-level",
    "warn",
    "--pid-file",
    pidFile,
  ]);
  // tinyproxy, the same way: loopback, no logging beyond errors, enough clients for wrk.
  const tinyConf = join(dir, "tinyproxy.conf");
  writeFileSync(
    tinyConf,
    [
      `Port ${tinyPort}`,
      "Listen 127.0.0.1",
      "Timeout 60",
      "MaxClients 512",
      "LogLevel Critical",
      "Allow 127.0.0.1",
      "DisableViaHeader No",
      `ConnectPort ${tlsPort}`,
    ].join("\n"),
  );
  const hasTiny = Bun.which("tinyproxy") !== null;
  const tiny = hasTiny ? start(["tinyproxy", "-d", "-c", tinyConf]) : undefined;
  if (!hasTiny) console.log("  tinyproxy is not installed (apt-get install tinyproxy): its column is empty");

  // The TLS origin for the tunnel: 256 MB from memory per request.
  selfSigned(dir);
  const tlsScript = join(dir, "tls.ts");
  writeFileSync(
    tlsScript,
    `const big = new Uint8Array(${256 * MB}).fill(120);
Bun.serve({ hostname: "127.0.0.1", port: ${tlsPort}, tls: { cert: Bun.file("${dir}/cert.pem"), key: Bun.file("${dir}/key.pem") }, fetch: () => new Response(big) });`,
  );
  // The allocator setting our workers get: without it this Bun origin lands at random in a mode that
  // spends a second of CPU per 256 MB re-faulting freed pages, and direct halves.
  const tlsOrigin = start([BUN, tlsScript], ALLOCATOR_ENV);
  // The bulk origin: 1 GB down in 1 MB pieces, and an upload sink.
  const bulkPort = freePort();
  const bulkScript = join(dir, "bulk.ts");
  writeFileSync(
    bulkScript,
    `const piece = new Uint8Array(${MB}).fill(120);
Bun.serve({ hostname: "127.0.0.1", port: ${bulkPort}, maxRequestBodySize: 2 ** 40, async fetch(req) {
  if (req.method === "PUT") { let n = 0; for await (const c of req.body) n += c.length; return new Response(String(n)); }
  let sent = 0;
  return new Response(new ReadableStream({ pull(c) { if (sent++ === 1024) c.close(); else c.enqueue(piece); } }));
}});`,
  );
  const bulk = start([BUN, bulkScript]);
  try {
    await waitHttp(`http://127.0.0.1:${helloPort}/`);
    await waitPort(proxyPort);
    await waitPort(floorPort);
    await waitPort(tlsPort);
    await waitPort(bulkPort);
    if (hasTiny) await waitPort(tinyPort);
    await Bun.sleep(300);

    // wrk to a proxy: the request line carries the absolute URL of the hello server.
    const lua = join(dir, "absolute.lua");
    writeFileSync(lua, `request = function() return wrk.format("GET", "http://127.0.0.1:${helloPort}/") end\n`);
    const viaProxy = async (name: string, port: number, c: number, secs = seconds) => {
      const r = await wrk(`http://127.0.0.1:${port}/`, c, secs, lua);
      // tinyproxy closes each client connection after one response: wrk counts read errors.
      if (r.errors && secs === seconds) console.log(`  ${name} -c${c}: ${r.errors}`);
      return r;
    };
    for (const c of [64]) {
      // One second of load on each first: JIT warm-up, and the proxies' upstream pools filled.
      await wrk(`http://127.0.0.1:${helloPort}/`, c, 1);
      await viaProxy("pulsar proxy", proxyPort, c, 1);
      if (hasTiny) await viaProxy("tinyproxy", tinyPort, c, 1);
      await viaProxy("raw relay", floorPort, c, 1);
      // Then two alternating rounds, keeping each side's best: this VM drifts by ±20% within a minute.
      let direct = { rps: 0, p99ms: Number.NaN };
      let pulsar = { rps: 0, p99ms: Number.NaN };
      let tinyR = { rps: 0, p99ms: Number.NaN };
      let floor = { rps: 0, p99ms: Number.NaN };
      for (let round = 0; round < 2; round++) {
        const d = await wrk(`http://127.0.0.1:${helloPort}/`, c, seconds);
        if (d.rps > direct.rps) direct = d;
        const o = await viaProxy("pulsar proxy", proxyPort, c);
        if (o.rps > pulsar.rps) pulsar = o;
        const t = hasTiny ? await viaProxy("tinyproxy", tinyPort, c) : undefined;
        if (t && t.rps > tinyR.rps) tinyR = t;
        const f = await viaProxy("raw relay", floorPort, c);
        if (f.rps > floor.rps) floor = f;
      }
      add({
        section: "proxy",
        what: `hello via proxy -c${c}, req/s vs tinyproxy`,
        ours: fmt(pulsar.rps),
        baseline: fmt(tinyR.rps),
        ratio: ratio(pulsar.rps, tinyR.rps),
        goal: "≥ 5×",
      });
      add({
        section: "proxy",
        what: `hello via proxy -c${c}, req/s vs direct`,
        ours: fmt(pulsar.rps),
        baseline: fmt(direct.rps),
        ratio: ratio(pulsar.rps, direct.rps),
        goal: "≥ 0.4×",
      });
      add({
        section: "proxy",
        what: `hello via proxy -c${c}, p99 ms vs tinyproxy`,
        ours: fmt(pulsar.p99ms, 2),
        baseline: fmt(tinyR.p99ms, 2),
        ratio: ratio(pulsar.p99ms, tinyR.p99ms),
        goal: "",
      });
      add({
        section: "proxy",
        what: `hello via proxy -c${c}, p99 ms vs direct`,
        ours: fmt(pulsar.p99ms, 2),
        baseline: fmt(direct.p99ms, 2),
        ratio: ratio(pulsar.p99ms, direct.p99ms),
        goal: "",
      });
      add({
        section: "proxy",
        what: `hello via proxy -c${c}, req/s vs a minimal raw Bun relay`,
        ours: fmt(pulsar.rps),
        baseline: fmt(floor.rps),
        ratio: ratio(pulsar.rps, floor.rps),
        goal: "",
      });
      add({
        section: "proxy",
        what: `minimal raw Bun relay -c${c}, req/s vs direct`,
        ours: fmt(floor.rps),
        baseline: fmt(direct.rps),
        ratio: ratio(floor.rps, direct.rps),
        goal: "",
      });
      // Where the 5× goal sits against what the runtime allows: the floor parses and checks nothing.
      if (hasTiny)
        add({
          section: "proxy",
          what: `minimal raw Bun relay -c${c}, req/s vs tinyproxy`,
          ours: fmt(floor.rps),
          baseline: fmt(tinyR.rps),
          ratio: ratio(floor.rps, tinyR.rps),
          goal: "",
        });
      if (hasTiny)
        add({
          section: "proxy",
          what: `tinyproxy -c${c}, req/s vs direct`,
          ours: fmt(tinyR.rps),
          baseline: fmt(direct.rps),
          ratio: ratio(tinyR.rps, direct.rps),
          goal: "",
        });
    }

    // CONNECT tunnel: best of five 256 MB downloads each way. Three processes (curl, proxy worker,
    // TLS origin) share two cores here, and a run lands at either ~40% or ~90% of direct by placement.
    const speed = async (args: string[]) => {
      let best = 0;
      for (let i = 0; i < 5; i++) {
        const out = await sh([
          "curl",
          "-sS",
          "-o",
          "/dev/null",
          "-w",
          "%{speed_download}",
          "--cacert",
          join(dir, "cert.pem"),
          ...args,
          `https://127.0.0.1:${tlsPort}/`,
        ]);
        best = Math.max(best, Number(out));
      }
      return best;
    };
    const tunnel = await speed(["-x", `http://127.0.0.1:${proxyPort}`]);
    const direct = await speed([]);
    add({
      section: "proxy",
      what: "CONNECT tunnel, 256 MB TLS download (MB/s)",
      ours: fmt(tunnel / MB),
      baseline: fmt(direct / MB),
      ratio: ratio(tunnel, direct),
      goal: "≥ 0.8×",
    });

    // 1 GB each way through the proxy: the workers' peak RSS.
    const idle = childrenOf(ours.proc.pid).reduce((n, pid) => n + rssOf(pid), 0);
    const down = await peakRss(ours.proc.pid, () =>
      sh(["curl", "-sS", "-x", `http://127.0.0.1:${proxyPort}`, "-o", "/dev/null", `http://127.0.0.1:${bulkPort}/`]),
    );
    const file = join(dir, "up.bin");
    await sh(["truncate", "-s", String(1024 * MB), file]);
    const up = await peakRss(ours.proc.pid, () =>
      sh(["curl", "-sS", "-x", `http://127.0.0.1:${proxyPort}`, "-T", file, `http://127.0.0.1:${bulkPort}/up`]),
    );
    add({
      section: "proxy",
      what: "peak RSS of 2 workers, 1 GB download (MB)",
      ours: fmt(down / MB, 1),
      baseline: fmt(idle / MB, 1),
      ratio: ratio(down, idle),
      goal: "bounded",
    });
    add({
      section: "proxy",
      what: "peak RSS of 2 workers, 1 GB upload (MB)",
      ours: fmt(up / MB, 1),
      baseline: fmt(idle / MB, 1),
      ratio: ratio(up, idle),
      goal: "bounded",
    });
  } finally {
    for (const p of [ours, hello, tlsOrigin, bulk, tiny, ...floors]) await p?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
