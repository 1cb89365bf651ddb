/** Basic, Bearer and Digest (MD5, SHA-256, SHA-512, qop auth, stale nonces, changed challenges) against httpbin's real challenges. */
import { afterAll, describe, expect, it } from "bun:test";
import { createHttpbin } from "../../apps/httpbin/index.ts";
import { parseDigest } from "../../apps/httpbin/routes/auth.ts";
import { DigestCache } from "../../src/client/auth.ts";
import { parseChallenge } from "../../src/client/digest.ts";
import { HttpClient } from "../../src/index.ts";
import { serve, serveHttpbin } from "./httpbin-server.ts";

const bin = serveHttpbin();
afterAll(() => bin[Symbol.asyncDispose]());

/** httpbin on a free port, counting the requests it receives. */
function countedHttpbin() {
  const service = createHttpbin();
  const counted = { hits: 0 };
  const served = serve((req, server) => {
    counted.hits++;
    return service.fetch(req, server);
  });
  return Object.assign(served, { counted });
}

/**
 * A Digest server (MD5, qop=auth) that honours only the nonces it gave in its
 * current realm. `rotate` forgets them, and may change the realm, as a restart
 * or a key rotation does: the next 401 carries a new challenge without stale.
 */
function rotatingDigest(user: string, password: string) {
  let realm = "realm-1";
  const nonces = new Set<string>();
  const md5 = (s: string) => new Bun.CryptoHasher("md5").update(s).digest("hex");
  const counted = { hits: 0 };
  const served = serve((req) => {
    counted.hits++;
    const url = new URL(req.url);
    const d = parseDigest(req.headers.get("authorization") ?? "");
    if (d?.nonce && d.realm === realm && nonces.has(d.nonce) && d.uri === url.pathname + url.search) {
      const ha1 = md5(`${user}:${realm}:${password}`);
      const ha2 = md5(`${req.method}:${d.uri}`);
      if (d.response === md5(`${ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`)) return Response.json({ realm });
    }
    const nonce = crypto.randomUUID();
    nonces.add(nonce);
    const challenge = `Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=MD5, stale=FALSE`;
    return new Response(null, { status: 401, headers: { "www-authenticate": challenge } });
  });
  const rotate = (to = realm) => {
    realm = to;
    nonces.clear();
  };
  return Object.assign(served, { counted, rotate });
}

/** `/hop/N` guarded by Digest in realm `hop-N`, redirecting to `/hop/N+1` up to `last`, which answers 200. */
function realmPerHop(user: string, password: string, last: number) {
  const md5 = (s: string) => new Bun.CryptoHasher("md5").update(s).digest("hex");
  const nonces = new Set<string>();
  return serve((req) => {
    const url = new URL(req.url);
    const n = Number(url.pathname.split("/")[2]);
    const realm = `hop-${n}`;
    const d = parseDigest(req.headers.get("authorization") ?? "");
    if (d?.nonce && d.realm === realm && nonces.has(d.nonce)) {
      const ha1 = md5(`${user}:${realm}:${password}`);
      const ha2 = md5(`${req.method}:${d.uri}`);
      if (d.response === md5(`${ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`))
        return n === last ? Response.json({ realm }) : Response.redirect(`${url.origin}/hop/${n + 1}`, 302);
    }
    const nonce = crypto.randomUUID();
    nonces.add(nonce);
    const challenge = `Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=MD5`;
    return new Response(null, { status: 401, headers: { "www-authenticate": challenge } });
  });
}

describe("Basic and Bearer auth", () => {
  it("sends Basic credentials from the session, as an object or a tuple", async () => {
    await using http = new HttpClient({ baseURL: bin.url, auth: { username: "ada", password: "pw" } });
    expect(await (await http.get("/basic-auth/ada/pw")).json()).toEqual({ authenticated: true, user: "ada" });
    const tuple = await http.get("/basic-auth/bob/x", { auth: ["bob", "x"] });
    expect(tuple.status).toBe(200);
    expect((await http.get("/basic-auth/ada/other")).status).toBe(401);
  });

  it("lets a request drop the session's credentials with auth: null", async () => {
    await using http = new HttpClient({ baseURL: bin.url, auth: ["ada", "pw"] });
    expect((await http.get("/basic-auth/ada/pw", { auth: null })).status).toBe(401);
  });

  it("sends a Bearer token", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    expect(await (await http.get("/bearer", { auth: { bearer: "tok-1" } })).json()).toEqual({
      authenticated: true,
      token: "tok-1",
    });
    expect((await http.get("/bearer")).status).toBe(401);
  });
});

describe("malformed auth", () => {
  it("is a RequestError (E_HTTP_REQUEST) naming the request and the shapes it takes", async () => {
    await using http = new HttpClient({ baseURL: bin.url });
    for (const auth of [
      { digest: ["u", "p"] },
      { username: "u" },
      { username: "u", password: "p", scheme: "ntlm" },
      ["u"],
      ["u", 1],
      "u:p",
    ]) {
      const err = await http.get("/basic-auth/u/p", { auth: auth as never }).catch((e) => e);
      expect(err.code).toBe("E_HTTP_REQUEST");
      expect(err.message).toBe(
        `GET ${bin.url}/basic-auth/u/p: auth must be { username, password, scheme?: "basic" | "digest" }, { bearer } or [username, password]`,
      );
    }
  });
});

describe("Digest auth", () => {
  const digest = (username: string, password: string) => ({ username, password, scheme: "digest" as const });

  for (const algorithm of ["MD5", "SHA-256", "SHA-512"]) {
    it(`answers a ${algorithm} qop=auth challenge, then reuses the nonce without a new 401`, async () => {
      await using http = new HttpClient({ baseURL: bin.url, auth: digest("ada", "s3cret") });
      const first = await http.get(`/digest-auth/auth/ada/s3cret/${algorithm}`);
      expect(await first.json()).toEqual({ authenticated: true, user: "ada" });
      expect(first.history.map((h) => h.status)).toEqual([401]);
      const second = await http.get(`/digest-auth/auth/ada/s3cret/${algorithm}`);
      expect(second.status).toBe(200);
      expect(second.history).toEqual([]);
    });
  }

  it("answers a challenge without qop (RFC 2069)", async () => {
    const sha512 = (s: string) => new Bun.CryptoHasher("sha512").update(s).digest("hex");
    await using server = serve((req) => {
      const d = parseDigest(req.headers.get("authorization") ?? "");
      const expected = sha512(`${sha512("u:r:p")}:n1:${sha512(`GET:${d?.uri}`)}`);
      if (d && d.qop === undefined && d.response === expected) return Response.json({ ok: true });
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": 'Digest realm="r", nonce="n1", algorithm=SHA-512' },
      });
    });
    await using http = new HttpClient({ baseURL: server.url, auth: digest("u", "p") });
    expect((await http.get("/private?x=1")).status).toBe(200);
  });

  it("answers httpbin's offer of both qops (an unknown qop in the path) with auth", async () => {
    await using http = new HttpClient({ baseURL: bin.url, auth: digest("u", "p") });
    const r = await http.get("/digest-auth/none/u/p");
    expect(r.history[0]?.headers.get("www-authenticate")).toContain('qop="auth, auth-int"');
    expect(r.status).toBe(200);
  });

  it("returns the 401 for a wrong password, after one try", async () => {
    await using http = new HttpClient({ baseURL: bin.url, auth: digest("ada", "wrong") });
    const r = await http.get("/digest-auth/auth/ada/s3cret");
    expect(r.status).toBe(401);
    expect(r.history.length).toBe(1);
    expect(() => r.raiseForStatus()).toThrow(`401 Unauthorized for GET ${bin.url}/digest-auth/auth/ada/s3cret`);
  });

  it("answers a stale nonce again without failing", async () => {
    await using http = new HttpClient({ baseURL: bin.url, auth: digest("ada", "pw") });
    expect((await http.get("/digest-auth/auth/ada/pw/MD5/1")).status).toBe(200);
    const again = await http.get("/digest-auth/auth/ada/pw/MD5/1"); // the reused nonce is now stale
    expect(again.status).toBe(200);
    expect(again.history.map((h) => h.status)).toEqual([401]);
  });

  it("switches between MD5 and SHA-256 in one session, answering each new challenge with one retry", async () => {
    await using http = new HttpClient({ baseURL: bin.url, auth: digest("u", "p") });
    const seen: Array<[string, number, number[]]> = [];
    for (const algorithm of ["SHA-256", "MD5", "SHA-256", "MD5"]) {
      const r = await http.get(`/digest-auth/auth/u/p/${algorithm}`);
      seen.push([algorithm, r.status, r.history.map((h) => h.status)]);
    }
    expect(seen).toEqual([
      ["SHA-256", 200, [401]],
      ["MD5", 200, [401]], // the cached SHA-256 answer is refused with an MD5 challenge
      ["SHA-256", 200, [401]],
      ["MD5", 200, [401]],
    ]);
    const again = await http.get("/digest-auth/auth/u/p/MD5"); // the MD5 challenge is now the cached one
    expect([again.status, again.history.length]).toEqual([200, 0]);
  });

  it("answers a new nonce, or a new realm, given without stale to a cached answer", async () => {
    await using server = rotatingDigest("ada", "pw");
    await using http = new HttpClient({ baseURL: server.url, auth: digest("ada", "pw") });
    const get = async () => {
      const r = await http.get("/private?x=1");
      return [r.status, r.history.map((h) => h.status), r.status === 200 ? await r.json() : null];
    };
    expect(await get()).toEqual([200, [401], { realm: "realm-1" }]);
    expect(await get()).toEqual([200, [], { realm: "realm-1" }]);
    server.rotate(); // same realm, the old nonces forgotten
    expect(await get()).toEqual([200, [401], { realm: "realm-1" }]);
    server.rotate("realm-2");
    expect(await get()).toEqual([200, [401], { realm: "realm-2" }]);
    expect(await get()).toEqual([200, [], { realm: "realm-2" }]);
    expect(server.counted.hits).toBe(8);
  });

  it("ends a wrong password as 401 after a single retry, even when the session answered from its cache", async () => {
    await using server = countedHttpbin();
    await using http = new HttpClient({ baseURL: server.url, auth: digest("ada", "s3cret") });
    expect((await http.get("/digest-auth/auth/ada/s3cret/SHA-256")).status).toBe(200);
    for (const algorithm of ["SHA-256", "MD5"]) {
      server.counted.hits = 0;
      const r = await http.get(`/digest-auth/auth/ada/s3cret/${algorithm}`, { auth: digest("ada", "wrong") });
      expect([r.status, r.history.map((h) => h.status), server.counted.hits]).toEqual([401, [401], 2]);
    }
    server.counted.hits = 0;
    const right = await http.get("/digest-auth/auth/ada/s3cret/MD5"); // the session still answers up front
    expect([right.status, right.history.length, server.counted.hits]).toEqual([200, 0, 1]);
  });

  it("answers a new realm on every hop of a redirect chain", async () => {
    await using server = realmPerHop("ada", "pw", 4);
    await using http = new HttpClient({ baseURL: server.url, auth: digest("ada", "pw") });
    const r = await http.get("/hop/1");
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ realm: "hop-4" });
    expect(r.history.map((h) => h.status)).toEqual([401, 302, 401, 302, 401, 302, 401]);
  });

  it("gives up after two retries on a server that calls every answer stale", async () => {
    let hits = 0;
    await using server = serve(() => {
      hits++;
      const challenge = `Digest realm="r", nonce="${crypto.randomUUID()}", qop="auth", stale=true`;
      return new Response(null, { status: 401, headers: { "www-authenticate": challenge } });
    });
    await using http = new HttpClient({ baseURL: server.url, auth: digest("u", "p") });
    for (const _ of [1, 2]) {
      hits = 0;
      const r = await http.get("/");
      expect([r.status, r.history.length, hits]).toEqual([401, 2, 3]);
    }
  });

  it("keeps counting nc when a cached answer is refused with the same challenge, and restarts it for a new one", () => {
    const cache = new DigestCache();
    const url = new URL("http://h.test/x");
    const cred = { scheme: "digest" as const, username: "u", password: "p" };
    const nc = () => /nc=(\w+)/.exec(cache.header(url, "GET", cred) ?? "")?.[1];
    const challenge = 'Digest realm="r", nonce="n1", qop="auth"';
    expect(cache.learn(url, challenge, "none")).toBe(true);
    expect(nc()).toBe("00000001");
    expect(cache.learn(url, challenge, "cached")).toBe(true); // a strict server would call nc=1 again a replay
    expect(nc()).toBe("00000002");
    expect(cache.learn(url, challenge, "fresh")).toBe(false);
    expect(cache.learn(url, 'Digest realm="r", nonce="n2", qop="auth"', "cached")).toBe(true);
    expect(nc()).toBe("00000001");
    expect(cache.learn(url, 'Digest realm="r", nonce="n3", qop="auth", stale=true', "fresh")).toBe(true);
  });

  it("finds the Digest challenge among several schemes", () => {
    const ch = parseChallenge('Basic realm="x", Digest realm="r", nonce="n1", qop="auth,auth-int", algorithm=SHA-256');
    expect(ch).toEqual({ realm: "r", nonce: "n1", qop: ["auth", "auth-int"], algorithm: "SHA-256", stale: false });
    expect(parseChallenge('Basic realm="x"')).toBeNull();
  });
});
