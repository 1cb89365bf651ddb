/**
 * Named locks across worker processes, from the binary (`pulsar serve` of a
 * script that imports `acquire` from the embedded "pulsar"): held by the
 * arbiter by default, by Redis with --data-store. A counter incremented under
 * the lock by many concurrent requests on three workers loses no increment.
 */
import { describe, expect, it } from "bun:test";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, Proc, tempDir, until } from "../helpers/proc.ts";
import { RedisServer } from "../helpers/redis.ts";
import { hasRedis } from "../helpers/tools.ts";

async function countUnderLock(extra: string[]): Promise<void> {
  using dir = tempDir();
  copyFileSync(join(FIXTURES, "pubsub/locker.ts"), join(dir.path, "locker.ts"));
  await using proc = await Proc.binary(
    [
      "serve",
      "locker.ts",
      "--workers",
      "3",
      "--bind",
      "127.0.0.1:0",
      "--pid-file",
      "a.pid",
      "--log-level",
      "info",
      ...extra,
    ],
    { cwd: dir.path },
  );
  const url = await proc.url();
  await proc.waitChildren(3);
  // Every worker serves before the count starts (the first is ready before the others).
  const pids = new Set<string>();
  await until(
    async () => {
      pids.add(await (await fetch(`${url}/pid`, { headers: { connection: "close" } })).text());
      return pids.size === 3;
    },
    15_000,
    "three workers answering",
  );
  const counter = join(dir.path, "counter");
  // Fresh connections, so the kernel spreads them over the workers.
  const answers = await Promise.all(
    Array.from({ length: 60 }, () =>
      fetch(`${url}/count?file=${encodeURIComponent(counter)}`, { headers: { connection: "close" } }).then((r) =>
        r.text(),
      ),
    ),
  );
  expect(readFileSync(counter, "utf8")).toBe("60");
  expect(new Set(answers).size).toBeGreaterThan(1); // several workers took turns
}

describe("locks across workers", () => {
  it("the arbiter's lock lets one worker at a time in: 60 increments, none lost", () => countUnderLock([]), 60_000);

  it.if(hasRedis())(
    "Redis's lock does the same",
    async () => {
      await using redis = await new RedisServer().start();
      await countUnderLock(["--data-store", redis.url]);
    },
    60_000,
  );
});
