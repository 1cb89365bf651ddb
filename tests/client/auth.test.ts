/** Basic, Bearer and Digest (MD5, SHA-256, qop auth, stale nonces) against httpbin's real challenges. */
import { afterAll, describe, expect, it } from "bun:test";
import { parseChallenge } from "../../src/client/digest.ts";
import { HttpClient } from "../../src/index.ts";
import { serveHttpbin } from "./httpbin-server.ts";

const bin = serveHttpbin();
afterAll(() => bin[Symbol.asyncDispose]());

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

  for (const algorithm of ["MD5", "SHA-256"]) {
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
    await using http = new HttpClient({ baseURL: bin.url, auth: digest("u", "p") });
    expect((await http.get("/digest-auth/none/u/p")).status).toBe(200);
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

  it("finds the Digest challenge among several schemes", () => {
    const ch = parseChallenge('Basic realm="x", Digest realm="r", nonce="n1", qop="auth,auth-int", algorithm=SHA-256');
    expect(ch).toEqual({ realm: "r", nonce: "n1", qop: ["auth", "auth-int"], algorithm: "SHA-256", stale: false });
    expect(parseChallenge('Basic realm="x"')).toBeNull();
  });
});
