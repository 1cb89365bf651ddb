/** The `pulsar` command as a user types it, through the compiled binary. */
import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { VERSION } from "../../src/version.ts";
import { Proc, tempDir } from "../helpers/proc.ts";

async function pulsar(args: string[], env: Record<string, string> = {}) {
  await using p = await Proc.binary(args, { env });
  return { code: await p.exitCode(), out: p.output };
}

describe("the pulsar command", () => {
  it("prints its version and Bun's with --version", async () => {
    expect(await pulsar(["--version"])).toEqual({ code: 0, out: `pulsar ${VERSION} (bun ${Bun.version})\n` });
  });

  it("lists its commands with --help", async () => {
    const { code, out } = await pulsar(["--help"]);
    expect(code).toBe(0);
    for (const cmd of ["run", "serve", "info", "stop", "reload", "scale"]) expect(out).toContain(cmd);
  });

  it("lists the settings with run --help", async () => {
    const { out } = await pulsar(["run", "--help"]);
    for (const flag of ["--workers", "--bind", "--max-requests", "--exit-timeout", "PULSAR_WORKERS"])
      expect(out).toContain(flag);
  });

  it("rejects a bad setting with one line and exit code 2", async () => {
    const { code, out } = await pulsar(["run", "philosophers", "--workers", "nope"]);
    expect(code).toBe(2);
    expect(out).toBe('pulsar: invalid value "nope" for --workers: workers accepts a whole number from 0 to 1024\n');
  });

  it("names the env variable of a bad env value", async () => {
    const { code, out } = await pulsar(["run", "philosophers"], { PULSAR_WORKERS: "many" });
    expect(code).toBe(2);
    expect(out).toContain("PULSAR_WORKERS");
  });

  it("rejects an unknown app, naming the ones it has", async () => {
    const { code, out } = await pulsar(["run", "nosuchapp"]);
    expect(code).toBe(2);
    expect(out).toContain(
      'unknown app "nosuchapp": choose from httpbin, hello, calculator, proxy, philosophers, chat, graph, echo, echoudp, greeter, ping-pong, remote-object',
    );
  });

  it("rejects run without an app, an unknown flag and an unknown command", async () => {
    expect((await pulsar(["run"])).code).toBe(2);
    expect((await pulsar(["run", "hello", "--wrkers", "2"])).out).toContain("unknown option --wrkers");
    expect((await pulsar(["frobnicate"])).code).toBe(2);
  });

  it("says clearly when no arbiter is running for info", async () => {
    using dir = tempDir();
    const { code, out } = await pulsar(["info", "--pid-file", join(dir.path, "none.pid")]);
    expect(code).toBe(1);
    expect(out).toContain("no running arbiter");
  });

  it("runs the apps of a config file, with per-app prefixed flags", async () => {
    using dir = tempDir();
    const config = join(dir.path, "pulsar.json");
    await Bun.write(
      config,
      JSON.stringify({ apps: ["philosophers", "hello"], workers: 2, hello: { bind: ["127.0.0.1:0"] } }),
    );
    await using arb = await Proc.binary([
      "run",
      "--config",
      config,
      "--hello-workers",
      "1",
      "--pid-file",
      join(dir.path, "a.pid"),
      "--log-level",
      "warn",
    ]);
    await arb.waitChildren(3);
    arb.signal("SIGTERM");
    expect(await arb.exitCode()).toBe(0);
  });

  it("rejects a config file with an unknown key with exit code 2", async () => {
    using dir = tempDir();
    const config = join(dir.path, "pulsar.json");
    await Bun.write(config, JSON.stringify({ apps: ["hello"], wrkers: 2 }));
    const { code, out } = await pulsar(["run", "--config", config]);
    expect(code).toBe(2);
    expect(out).toBe('pulsar: unknown setting "wrkers" in the config file\n');
  });
});
