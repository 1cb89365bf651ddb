/** Names and ids for `--user` / `--group`, and the arbiter's checks before any worker starts. */
import { describe, expect, it } from "bun:test";
import {
  checkCredentials,
  findEntry,
  type Lookup,
  resolveCredentials,
  systemLookup,
} from "../../src/actor/credentials.ts";
import { ConfigError } from "../../src/errors.ts";

const PASSWD = [
  "# a comment",
  "root:x:0:0:root:/root:/bin/bash",
  "www:x:33:33:www-data:/var/www:/usr/sbin/nologin",
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
].join("\n");
const GROUP = ["root:x:0:", "www:x:33:", "web:x:1500:www", "nogroup:x:65534:"].join("\n");
const fake: Lookup = (db, key) => findEntry(db === "passwd" ? PASSWD : GROUP, key);

describe("findEntry", () => {
  it("finds a user by name or by uid, with its primary group", () => {
    expect(findEntry(PASSWD, "www")).toEqual({ name: "www", id: 33, gid: 33 });
    expect(findEntry(PASSWD, "65534")).toEqual({ name: "nobody", id: 65534, gid: 65534 });
  });

  it("finds a group by name or gid, and nothing for an unknown name", () => {
    expect(findEntry(GROUP, "web")).toEqual({ name: "web", id: 1500 });
    expect(findEntry(GROUP, "0")).toEqual({ name: "root", id: 0 });
    expect(findEntry(GROUP, "nope")).toBeUndefined();
    expect(findEntry(PASSWD, "#")).toBeUndefined();
  });
});

describe("resolveCredentials", () => {
  it("is null when neither is set: nothing changes", () => {
    expect(resolveCredentials("", "", fake)).toBeNull();
  });

  it("gives a user its primary group and its name (for its supplementary groups)", () => {
    expect(resolveCredentials("www", "", fake)).toEqual({ uid: 33, gid: 33, name: "www" });
    expect(resolveCredentials("33", "", fake)).toEqual({ uid: 33, gid: 33, name: "www" });
  });

  it("lets --group override the primary group", () => {
    expect(resolveCredentials("www", "web", fake)).toEqual({ uid: 33, gid: 1500, name: "www" });
    expect(resolveCredentials("www", "1600", fake)).toEqual({ uid: 33, gid: 1600, name: "www" });
  });

  it("keeps the current uid with --group alone, without a name (so no supplementary groups)", () => {
    expect(resolveCredentials("", "nogroup", fake)).toEqual({ uid: process.getuid?.() as number, gid: 65534 });
  });

  it("accepts a bare uid unknown to the database when a group is given", () => {
    expect(resolveCredentials("4242", "web", fake)).toEqual({ uid: 4242, gid: 1500 });
    expect(() => resolveCredentials("4242", "", fake)).toThrow("give --group too");
  });

  it("names an unknown user or group in a ConfigError", () => {
    expect(() => resolveCredentials("mallory", "", fake)).toThrow(ConfigError);
    expect(() => resolveCredentials("mallory", "", fake)).toThrow('unknown user "mallory" (--user)');
    expect(() => resolveCredentials("www", "staff", fake)).toThrow('unknown group "staff" (--group)');
  });

  it("reads the system's database", () => {
    expect(resolveCredentials("root", "", systemLookup)).toEqual({ uid: 0, gid: 0, name: "root" });
    const nobody = systemLookup("passwd", "nobody");
    expect(nobody?.id).toBeNumber();
    expect(resolveCredentials("nobody", "", systemLookup)).toEqual({
      uid: nobody?.id as number,
      gid: nobody?.gid as number,
      name: "nobody",
    });
  });
});

describe("checkCredentials", () => {
  const processApps = [{ name: "hello", concurrency: "process" }];

  it("refuses thread and inline workers, naming the app", () => {
    for (const concurrency of ["thread", "inline"])
      expect(() => checkCredentials({ user: "www" }, [{ name: "api", concurrency }], fake)).toThrow(
        `--user www switches worker processes only, and app "api" runs with --concurrency ${concurrency}`,
      );
  });

  it("is null with no user and no group, whatever the concurrency", () => {
    expect(checkCredentials({ user: "", group: "" }, [{ name: "api", concurrency: "thread" }], fake)).toBeNull();
  });

  // As another user, see the e2e test of "needs root".
  it.skipIf(process.getuid?.() !== 0)("resolves the ids when the arbiter, root, may switch", () => {
    expect(checkCredentials({ user: "www", group: "web" }, processApps, fake)).toEqual({
      uid: 33,
      gid: 1500,
      name: "www",
    });
  });
});
