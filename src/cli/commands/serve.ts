import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { defineCommand } from "citty";
import { arbiter } from "../../actor/arbiter.ts";
import { AppLoadError, ConfigError } from "../../errors.ts";
import { toServable } from "../../server/handler.ts";
import { HttpServer } from "../../server/http-server.ts";
import { settingArgs } from "../args.ts";
import { installEmbeddedModules } from "../embedded.ts";

export default defineCommand({
  meta: {
    name: "serve",
    description: "Serve a script whose default export is a Hono app, a fetch function or { fetch, websocket }",
  },
  args: { file: { type: "positional", required: true, description: "the script (.ts or .js)" }, ...settingArgs() },
  async run({ rawArgs }) {
    const file = rawArgs[0];
    if (!file || file.startsWith("-")) throw new ConfigError("pulsar serve needs a script: pulsar serve app.ts");
    const path = resolve(file);
    if (!existsSync(path)) throw new ConfigError(`script ${file} does not exist`);
    installEmbeddedModules();
    let mod: { default?: unknown };
    try {
      mod = await import(path);
    } catch (err) {
      throw new AppLoadError(`cannot load ${file}: ${firstProblem(err)}`);
    }
    toServable(mod.default, `the default export of ${file}`);
    const name =
      basename(path)
        .replace(/\.[^.]+$/, "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-") || "app";
    process.env.PULSAR_WATCH_DIR ??= dirname(path);
    await arbiter()
      .add(new HttpServer(mod.default as never, { name }))
      .start({ argv: rawArgs.slice(1) });
  },
});

/** Bun reports a build failure as "2 errors building …": say the first error itself, with its place. */
function firstProblem(err: unknown): string {
  const first = (err as { errors?: { message?: string; position?: { line: number; column: number } | null }[] })
    ?.errors?.[0];
  if (first?.message)
    return first.position ? `${first.message} (line ${first.position.line}:${first.position.column})` : first.message;
  return String((err as Error)?.message ?? err).split("\n")[0] ?? "";
}
