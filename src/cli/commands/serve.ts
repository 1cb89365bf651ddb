import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { defineCommand } from "citty";
import { arbiter } from "../../actor/arbiter.ts";
import { allSettings, type Setting } from "../../config/settings.ts";
import { AppLoadError, ConfigError } from "../../errors.ts";
import { toServable } from "../../server/handler.ts";
import { HttpServer } from "../../server/http-server.ts";
import { settingArgs } from "../args.ts";
import { installEmbeddedModules } from "../embedded.ts";
import { settingsSection, type UsageSection } from "../usage.ts";

export default defineCommand({
  meta: {
    name: "serve",
    description: "Serve a script whose default export is a Hono app, a fetch function or { fetch, websocket }",
  },
  // A function, read when asked: `serve app.ts --help` then lists the settings the script defines.
  args: () => ({
    file: { type: "positional", required: true, description: "the script to serve (.ts or .js)" },
    ...settingArgs(),
  }),
  async run({ rawArgs }) {
    const { file, path, mod } = await importScript(rawArgs);
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

/**
 * What `serve <file> --help` adds: the settings the script defines for an app
 * (`defineSetting({ app, … })`), a section per app; those it defines for no
 * app in particular are among the options.
 */
export async function helpSections(rawArgs: string[]): Promise<UsageSection[]> {
  if (!rawArgs[0] || rawArgs[0].startsWith("-")) return [];
  const before = new Set(allSettings().map((s) => s.name));
  const { file } = await importScript(rawArgs);
  const byApp = new Map<string, Setting[]>();
  for (const s of allSettings()) if (s.app && !before.has(s.name)) byApp.set(s.app, [...(byApp.get(s.app) ?? []), s]);
  return [...byApp].map(([app, own]) => settingsSection(`${app.toUpperCase()} OPTIONS`, `defined by ${file}`, own));
}

/** Import the script named first in `rawArgs`, with `hono` and `pulsar` resolved to the embedded copies. */
async function importScript(rawArgs: string[]): Promise<{ file: string; path: string; mod: { default?: unknown } }> {
  const file = rawArgs[0];
  if (!file || file.startsWith("-")) throw new ConfigError("pulsar serve needs a script: pulsar serve app.ts");
  const path = resolve(file);
  if (!existsSync(path)) throw new ConfigError(`script ${file} does not exist`);
  installEmbeddedModules();
  try {
    return { file, path, mod: await import(path) };
  } catch (err) {
    throw new AppLoadError(`cannot load ${file}: ${firstProblem(err)}`);
  }
}

/** Bun reports a build failure as "2 errors building …": say the first error itself, with its place. */
function firstProblem(err: unknown): string {
  const first = (err as { errors?: { message?: string; position?: { line: number; column: number } | null }[] })
    ?.errors?.[0];
  if (first?.message)
    return first.position ? `${first.message} (line ${first.position.line}:${first.position.column})` : first.message;
  return String((err as Error)?.message ?? err).split("\n")[0] ?? "";
}
