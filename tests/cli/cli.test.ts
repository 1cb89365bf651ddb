/** The `pulsar` command as a user types it, through the compiled binary. */
import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_APPS } from "../../src/cli/apps.ts";
import { VERSION } from "../../src/version.ts";
import { freePort, Proc, ROOT, tempDir } from "../helpers/proc.ts";

async function pulsar(args: string[], env: Record<string, string> = {}, cwd?: string) {
  await using p = await Proc.binary(args, { env, cwd });
  return { code: await p.exitCode(), out: p.output };
}

/** `--help` without colours, so that a flag and its help are plain text side by side. */
async function help(args: string[], cwd?: string) {
  return pulsar([...args, "--help"], { NO_COLOR: "1" }, cwd);
}

/** The part of a usage text under `title`, up to the next section. */
function section(out: string, title: string): string {
  const start = out.indexOf(`\n${title}\n`);
  if (start < 0) return "";
  const next = out.slice(start + title.length + 2).search(/\n[A-Z][A-Z-]* ?[A-Z]*\n/);
  return next < 0 ? out.slice(start) : out.slice(start, start + title.length + 2 + next);
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

  it("lists the bundled apps, each with what it is, with run --help", async () => {
    const { code, out } = await help(["run"]);
    expect(code).toBe(0);
    const apps = section(out, "APPS");
    for (const [name, app] of Object.entries(BUILTIN_APPS))
      expect(apps).toMatch(new RegExp(` ${name} +${RegExp.escape(app.help)}`));
  });

  it("lists the proxy's own settings, with their help and defaults, in their own section of run proxy --help", async () => {
    const { code, out } = await help(["run", "proxy"]);
    expect(code).toBe(0);
    expect(section(out, "OPTIONS")).toContain("--workers=<workers>");
    const own = section(out, "PROXY OPTIONS");
    expect(own).toMatch(
      /--connect-ports=<connect_ports> +Ports a CONNECT tunnel may open; others are answered 403\. \[a comma-separated list; default 443; env PULSAR_CONNECT_PORTS\]/,
    );
    for (const flag of ["--upstream=", "--allow-hosts=", "--deny-hosts=", "--proxy-auth=", "--access-log"])
      expect(own).toContain(flag);
    expect(section(out, "OPTIONS")).not.toContain("--connect-ports");
  });

  it.each([
    ["calculator", "--rpc-max-body=<rpc_max_body>", "default 1048576"],
    ["httpbin", "--json-shape=<json_shape>", "one of httpbin, techempower; default httpbin"],
    ["philosophers", "--eating-period=<eating_period>", "Mean seconds a philosopher eats."],
    ["ping-pong", "--rounds=<rounds>", "default 3"],
  ])("lists the %s app's own %s, with its help, with run <app> --help", async (app, flag, text) => {
    const { code, out } = await help(["run", app]);
    expect(code).toBe(0);
    const own = section(out, `${app.toUpperCase()} OPTIONS`);
    expect(own).toContain(flag);
    expect(own).toContain(text);
  });

  it("says so when an app has no settings of its own, and lists each app named", async () => {
    const { code, out } = await help(["run", "hello", "calculator"]);
    expect(code).toBe(0);
    expect(section(out, "HELLO OPTIONS")).toContain("Hello World! over HTTP; no settings of its own");
    expect(section(out, "CALCULATOR OPTIONS")).toContain("--rpc-max-body=");
  });

  it("lists the settings a script defines with serve <file> --help", async () => {
    using dir = tempDir();
    await Bun.write(
      join(dir.path, "greet.ts"),
      `import { defineSetting } from "pulsar";
defineSetting({ name: "greeting", type: "string", default: "hi", scope: "app", section: "greet", app: "greet", help: "What GET / answers." });
export default () => new Response("hi");
`,
    );
    const { code, out } = await help(["serve", "greet.ts"], dir.path);
    expect(code).toBe(0);
    expect(section(out, "GREET OPTIONS")).toMatch(
      /--greeting=<greeting> +What GET \/ answers\. \[a string; default hi/,
    );
  });

  it("rejects an unknown app with run <app> --help as it does without --help", async () => {
    const { code, out } = await help(["run", "nosuchapp"]);
    expect(code).toBe(2);
    expect(out).toBe(
      'pulsar: unknown app "nosuchapp": choose from httpbin, hello, calculator, proxy, philosophers, chat, graph, echo, echoudp, greeter, ping-pong, remote-object\n',
    );
  });

  it("names every bundled app in the README's CLI table", () => {
    const row = readFileSync(join(ROOT, "README.md"), "utf8")
      .split("\n")
      .find((line) => line.startsWith("| `pulsar run <app…>"));
    for (const name of Object.keys(BUILTIN_APPS)) expect(row).toContain(`\`${name}\``);
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

  it("colours --help only on a terminal: piped, it is plain text", async () => {
    const plainEnv = { NO_COLOR: undefined, CI: undefined, TEST: undefined, TERM: "xterm-256color" };
    for (const args of [["--help"], ["run", "--help"], ["run", "proxy", "--help"]]) {
      await using p = await Proc.binary(args, { env: plainEnv });
      expect(await p.exitCode()).toBe(0);
      expect(p.output).toContain("USAGE");
      expect(p.output).not.toContain("\u001B[");
    }
  });
});

describe("bad arguments: one line, exit code 2", () => {
  it.each([
    [["serve"], "pulsar: missing the script to serve (pulsar serve FILE); see pulsar serve --help\n"],
    [["scale"], "pulsar: missing the number of workers (pulsar scale N); see pulsar scale --help\n"],
    [["scale", "-1"], 'pulsar: the number of workers must be a whole number ≥ 0, not "-1"\n'],
    [["scale", "2", "3"], 'pulsar: unexpected argument "3" (see pulsar scale --help)\n'],
    [["info", "extra"], 'pulsar: unexpected argument "extra" (see pulsar info --help)\n'],
    [["stop", "extra"], 'pulsar: unexpected argument "extra" (see pulsar stop --help)\n'],
    [["reload", "extra"], 'pulsar: unexpected argument "extra" (see pulsar reload --help)\n'],
    [["info", "--jsn"], "pulsar: unknown option --jsn (see pulsar info --help)\n"],
    [["run", "hello", "--bind", "127.0.0.1:0", "extra"], 'pulsar: unexpected argument "extra" (see --help)\n'],
    [["serve", "app.ts", "extra"], 'pulsar: unexpected argument "extra" (see --help)\n'],
  ])("pulsar %p", async (args, line) => {
    using dir = tempDir();
    await Bun.write(join(dir.path, "app.ts"), "export default () => new Response('hi');\n");
    // A pid file of its own, so that no command can reach another arbiter on this machine.
    const { code, out } = await pulsar(args, { PULSAR_PID_FILE: join(dir.path, "none.pid") }, dir.path);
    expect({ code, out }).toEqual({ code: 2, out: line });
  });

  it("refuses scale --app with an app the arbiter does not run, naming those it runs", async () => {
    using dir = tempDir();
    await using arb = await Proc.run("hello", dir.path);
    await arb.url();
    const { code, out } = await pulsar(["scale", "2", "--app", "nope", "--pid-file", join(dir.path, "a.pid")]);
    expect({ code, out }).toEqual({ code: 2, out: 'pulsar: unknown app "nope": the arbiter runs hello\n' });
  });
});

describe("a config file in a folder with no node_modules", () => {
  it("imports pulsar from the binary with run -c, as with serve -c", async () => {
    using dir = tempDir();
    await Bun.write(
      join(dir.path, "imp.config.ts"),
      `import { VERSION } from "pulsar";
export default { apps: ["hello"], bind: ["127.0.0.1:0"], log_level: "warn", when_ready: () => console.log(\`ready with pulsar \${VERSION}\`) };
`,
    );
    await using arb = await Proc.binary(["run", "-c", "imp.config.ts", "--pid-file", join(dir.path, "a.pid")], {
      cwd: dir.path,
    });
    await arb.waitFor(/ready with pulsar|pulsar: /);
    expect(arb.output).toBe(`ready with pulsar ${VERSION}\n`);
    arb.signal("SIGTERM");
    expect(await arb.exitCode()).toBe(0);
  });
});

describe("a script's argv", () => {
  /** `bun examples/<name> …args` from the repository, on a port that must stay unbound. */
  async function script(name: string, ...args: string[]) {
    using dir = tempDir();
    const port = freePort();
    await using p = Proc.script(`examples/${name}`, [...args, "--bind", `127.0.0.1:${port}`], {
      env: { NO_COLOR: "1", PULSAR_PID_FILE: join(dir.path, "none.pid") },
    });
    return { code: await p.exitCode(10_000), out: p.output, port };
  }

  it("answers --help with the settings it takes, and does not start", async () => {
    const { code, out } = await script("hello.ts", "--help");
    expect(code).toBe(0);
    expect(out).toContain("USAGE bun examples/hello.ts [OPTIONS]");
    expect(out).toMatch(/-w, --workers=<workers> +Workers per app/);
    expect(out).toContain("--hello-workers");
    expect(out).not.toContain("listening on");
  });

  it("lists its app's own settings with --help", async () => {
    const { code, out } = await script("philosophers.ts", "-h");
    expect(code).toBe(0);
    expect(section(out, "PHILOSOPHERS OPTIONS")).toContain("--eating-period=<eating_period>");
  });

  it("answers --version with pulsar's and Bun's, and does not start", async () => {
    expect(await script("hello.ts", "--version")).toMatchObject({
      code: 0,
      out: `pulsar ${VERSION} (bun ${Bun.version})\n`,
    });
  });

  it("refuses a stray word with one line and exit code 2", async () => {
    expect(await script("hello.ts", "extra")).toMatchObject({
      code: 2,
      out: 'pulsar: unexpected argument "extra" (see --help)\n',
    });
  });
});
