/** httpbin from the binary, with a real client (curl): digest auth, compression, ranges, limits. */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { Proc, tempDir } from "../helpers/proc.ts";

const curl = (...args: string[]) => {
  const p = Bun.spawnSync(["curl", "-s", ...args]);
  return p.stdout.toString();
};

describe("pulsar run httpbin", () => {
  const dir = tempDir();
  let arb: Proc;
  let url: string;
  beforeAll(async () => {
    arb = await Proc.binary([
      "run",
      "httpbin",
      "--workers",
      "2",
      "--bind",
      "127.0.0.1:0",
      "--stream-buffer",
      "65536",
      "--httpbin-json-shape",
      "techempower",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "info",
    ]);
    url = await arb.url();
    await arb.waitChildren(2);
  });
  afterAll(async () => {
    await arb[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
  });

  it("takes its own settings from the command line (--httpbin-json-shape techempower)", () => {
    expect(JSON.parse(curl(`${url}/json`))).toEqual({ message: "Hello, World!" });
  });

  it("passes curl --digest with MD5 and SHA-256, and refuses a wrong password", () => {
    expect(JSON.parse(curl("--digest", "-u", "ada:secret", `${url}/digest-auth/auth/ada/secret`))).toEqual({
      authenticated: true,
      user: "ada",
    });
    expect(JSON.parse(curl("--digest", "-u", "ada:secret", `${url}/digest-auth/auth/ada/secret/SHA-256`))).toEqual({
      authenticated: true,
      user: "ada",
    });
    expect(
      curl(
        "--digest",
        "-u",
        "ada:wrong",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `${url}/digest-auth/auth/ada/secret`,
      ),
    ).toBe("401");
  });

  it("decompresses /gzip and /deflate with curl --compressed", () => {
    expect(JSON.parse(curl("--compressed", `${url}/gzip`)).gzipped).toBe(true);
    expect(JSON.parse(curl("--compressed", `${url}/deflate`)).deflated).toBe(true);
  });

  it("serves a byte range to curl -r", () => {
    expect(curl("-r", "0-4", `${url}/range/100`)).toBe("abcde");
    expect(curl("-r", "200-300", "-o", "/dev/null", "-w", "%{http_code}", `${url}/range/100`)).toBe("416");
  });

  it("answers 413 over the body limit, and keeps serving", () => {
    const big = join(dir.path, "big.bin");
    Bun.spawnSync(["dd", "if=/dev/zero", `of=${big}`, "bs=1024", "count=128"]);
    expect(curl("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", `@${big}`, `${url}/post`)).toBe("413");
    expect(JSON.parse(curl(`${url}/get?after=413`)).args).toEqual({ after: "413" });
  });

  it("follows redirects to /get with curl -L", () => {
    expect(JSON.parse(curl("-L", `${url}/redirect/3`)).url).toBe(`${url}/get`);
  });
});
