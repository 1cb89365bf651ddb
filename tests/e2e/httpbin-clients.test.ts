/**
 * httpbin from the binary with real clients beyond curl: Python's requests
 * (auth, ranges, compression), websockets, and Chromium drawing the graph page.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { Proc, tempDir } from "../helpers/proc.ts";
import { hasChromium, hasPythonRequests, launchChromium } from "../helpers/tools.ts";

const dir = tempDir();
let arb: Proc;
let url: string;
beforeAll(async () => {
  arb = await Proc.run("httpbin", dir.path, "--workers", "2");
  url = await arb.url();
  await arb.waitChildren(2);
});
afterAll(async () => {
  await arb[Symbol.asyncDispose]();
  dir[Symbol.dispose]();
});

const PYTHON = `
import sys, requests
from requests.auth import HTTPDigestAuth
base = sys.argv[1]
r = requests.get(base + "/digest-auth/auth/ada/secret", auth=HTTPDigestAuth("ada", "secret"))
assert r.status_code == 200 and r.json() == {"authenticated": True, "user": "ada"}, r.text
for algorithm in ("SHA-256", "SHA-512"):
    r = requests.get(base + "/digest-auth/auth/ada/secret/" + algorithm, auth=HTTPDigestAuth("ada", "secret"))
    assert r.status_code == 200, (algorithm, r.status_code, r.headers)
assert requests.get(base + "/basic-auth/u/p", auth=("u", "p")).json()["authenticated"] is True
assert requests.get(base + "/basic-auth/u/p", auth=("u", "x")).status_code == 401
r = requests.get(base + "/range/26", headers={"Range": "bytes=10-12"})
assert r.status_code == 206 and r.text == "klm", (r.status_code, r.text)
assert requests.get(base + "/gzip").json()["gzipped"] is True
assert requests.get(base + "/deflate").json()["deflated"] is True
r = requests.post(base + "/post", files={"f": ("a.txt", b"hello")}, data={"k": "v"})
assert r.json()["files"] == {"f": "hello"} and r.json()["form"] == {"k": "v"}, r.text
s = requests.Session()
s.get(base + "/cookies/set?flavour=oat")
assert s.get(base + "/cookies").json() == {"cookies": {"flavour": "oat"}}
assert requests.get(base + "/redirect/3").url == base + "/get"
print("ok")
`;

describe("httpbin with real clients", () => {
  it.if(hasPythonRequests())(
    "passes a python-requests session: digest, basic, range, compression, files, cookies, redirects",
    () => {
      const p = Bun.spawnSync(["/usr/bin/python3", "-c", PYTHON, url]);
      expect(p.stderr.toString()).toBe("");
      expect(p.stdout.toString()).toBe("ok\n");
    },
  );

  it("echoes on /websocket/echo and sends 100 points per message on /graph-data", async () => {
    const talk = (path: string, message: string) =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace("http", "ws")}${path}`);
        ws.onopen = () => ws.send(message);
        ws.onmessage = (e) => {
          resolve(String(e.data));
          ws.close();
        };
        ws.onerror = () => reject(new Error(`websocket ${path} failed`));
      });
    expect(await talk("/websocket/echo", "hello ws")).toBe("hello ws");
    const points = JSON.parse(await talk("/graph-data", "more")) as [number, number][];
    expect(points.length).toBe(100);
    for (const [, y] of points) expect(y >= 0 && y < 1).toBe(true);
  });

  it.if(hasChromium())("draws the live graph in Chromium", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/graph`);
      await page.waitForFunction(() => Number(document.body.dataset.points ?? 0) >= 300, undefined, {
        timeout: 15_000,
      });
      expect(await page.textContent("#status")).toBe("live");
      // Some pixels of the canvas are drawn (not all transparent).
      const drawn = await page.evaluate(() => {
        const canvas = document.getElementById("graph") as HTMLCanvasElement;
        const data = (canvas.getContext("2d") as CanvasRenderingContext2D).getImageData(
          0,
          0,
          canvas.width,
          canvas.height,
        ).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
        return n;
      });
      expect(drawn).toBeGreaterThan(500);
      await page.screenshot({ path: join(dir.path, "graph.png") });
      expect(Bun.file(join(dir.path, "graph.png")).size).toBeGreaterThan(1000);
    } finally {
      await browser.close();
    }
  });
});
