import { defineCommand } from "citty";
import type { Application } from "../../actor/application.ts";
import { arbiter } from "../../actor/arbiter.ts";
import { loadConfigFile } from "../../config/config-file.ts";
import { allSettings } from "../../config/settings.ts";
import { ConfigError } from "../../errors.ts";
import { BUILTIN_APPS } from "../apps.ts";
import { leadingWords, settingArgs } from "../args.ts";
import { settingsSection, type UsageSection } from "../usage.ts";

const NAMES = Object.keys(BUILTIN_APPS).join(", ");

export default defineCommand({
  meta: { name: "run", description: `Run bundled apps under one arbiter: ${NAMES}` },
  // A function, read when asked: `run <app> --help` then lists the settings that loading the app added.
  args: () => ({
    app: { type: "positional", required: false, description: "app names (or `apps` in the config file)" },
    ...settingArgs(),
  }),
  async run({ rawArgs }) {
    await embedForConfig(rawArgs);
    const names = await appNames(rawArgs);
    if (!names.length) throw new ConfigError(`pulsar run needs an app: ${NAMES}`);
    const arb = arbiter();
    for (const name of names) arb.add(await loadApp(name));
    await arb.start({ argv: rawArgs.slice(leadingWords(rawArgs).length) });
  },
});

/**
 * What `--help` adds: with no app, the apps; with apps (named, or `apps` in the
 * config file), each one's own settings, loading only those apps to learn them.
 */
export async function helpSections(rawArgs: string[]): Promise<UsageSection[]> {
  await embedForConfig(rawArgs);
  const names = await appNames(rawArgs);
  if (!names.length)
    return [{ title: "APPS", rows: Object.entries(BUILTIN_APPS).map(([name, app]) => [name, app.help]) }];
  const sections: UsageSection[] = [];
  for (const name of names) {
    await loadApp(name);
    const own = allSettings().filter((s) => s.app === name);
    const help = BUILTIN_APPS[name]?.help ?? "";
    sections.push(
      settingsSection(`${name.toUpperCase()} OPTIONS`, own.length ? help : `${help}; no settings of its own`, own),
    );
  }
  return sections;
}

/** The words before the first flag, or else the `apps` of the config file. */
async function appNames(rawArgs: string[]): Promise<string[]> {
  const names = leadingWords(rawArgs);
  if (names.length) return names;
  const path = configPath(rawArgs);
  const listed = path ? (await loadConfigFile(path)).apps : undefined;
  return Array.isArray(listed) ? listed.map(String) : [];
}

/** The config file named by --config (-c) or PULSAR_CONFIG, if any. */
function configPath(rawArgs: string[]): string | undefined {
  const i = rawArgs.findIndex((f) => f === "--config" || f === "-c" || f.startsWith("--config="));
  if (i < 0) return process.env.PULSAR_CONFIG || undefined;
  return rawArgs[i]?.includes("=") ? rawArgs[i]?.split("=")[1] : rawArgs[i + 1];
}

/**
 * A config file is user code: its imports of `pulsar` and `hono` resolve to the
 * copies in the binary, as a served script's do. Loaded only then, so that a
 * worker of `run hello` does not load hono.
 */
async function embedForConfig(rawArgs: string[]): Promise<void> {
  if (configPath(rawArgs)) (await import("../embedded.ts")).installEmbeddedModules();
}

async function loadApp(name: string): Promise<Application> {
  const entry = BUILTIN_APPS[name];
  if (!entry) throw new ConfigError(`unknown app "${name}": choose from ${NAMES}`);
  return entry.load();
}
