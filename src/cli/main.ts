#!/usr/bin/env bun
/**
 * The `pulsar` command. In a spawned worker this same entry point runs again
 * with the worker's identity in its environment, and `start()` becomes that
 * worker instead of an arbiter.
 */
import { type ArgsDef, type CommandDef, defineCommand, runCommand } from "citty";
import { ConfigError, EXIT, exitCodeOf, PulsarError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { plain, renderHelp, type UsageSection } from "./usage.ts";

// Lazy: a worker of `run hello` needs neither `serve` (and the embedded hono) nor the control client.
const control = () => import("./commands/control.ts");
const subCommands: Record<string, () => Promise<CommandDef>> = {
  run: () => import("./commands/run.ts").then((m) => m.default as CommandDef),
  serve: () => import("./commands/serve.ts").then((m) => m.default as CommandDef),
  info: () => control().then((m) => m.info as CommandDef),
  stop: () => control().then((m) => m.stop as CommandDef),
  reload: () => control().then((m) => m.reload as CommandDef),
  scale: () => control().then((m) => m.scale as CommandDef),
};

// `run proxy --help` and `serve app.ts --help` load what they name first, so that its own settings are listed.
const helpSections: Record<string, (rawArgs: string[]) => Promise<UsageSection[]>> = {
  run: (rawArgs) => import("./commands/run.ts").then((m) => m.helpSections(rawArgs)),
  serve: (rawArgs) => import("./commands/serve.ts").then((m) => m.helpSections(rawArgs)),
};

const main = defineCommand({
  meta: { name: "pulsar", version: VERSION, description: "Supervised pools of actors, and HTTP servers on top" },
  subCommands,
});

/** Run the CLI with `argv` (the arguments after the program). */
export async function cli(argv: string[] = process.argv.slice(2)): Promise<void> {
  const [first] = argv;
  if (first === "--version" || first === "-v" || first === "version") {
    console.log(`pulsar ${VERSION} (bun ${Bun.version})`);
    return;
  }
  const load = first ? subCommands[first] : undefined;
  if (!first || first === "--help" || first === "-h") return console.log(`${await renderHelp(main, undefined, [])}\n`);
  const sub = await load?.();
  if (!sub) {
    console.error(`pulsar: unknown command "${first}"; try pulsar --help`);
    process.exit(EXIT.CONFIG);
  }
  try {
    if (argv.includes("--help") || argv.includes("-h")) {
      const sections = (await helpSections[first]?.(argv.slice(1))) ?? [];
      console.log(`${await renderHelp(sub, main, sections)}\n`);
      return;
    }
    await runCommand(main, { rawArgs: argv });
  } catch (thrown) {
    const err = (thrown as Error)?.name === "CLIError" ? await usageError(first, sub, thrown as Error) : thrown;
    console.error(`pulsar: ${err instanceof PulsarError ? err.message : ((err as Error).stack ?? String(err))}`);
    process.exit(exitCodeOf(err));
  }
}

/** citty's complaint about the arguments of `command`, as one line that says what is missing (exit code 2). */
async function usageError(command: string, sub: CommandDef, err: Error): Promise<ConfigError> {
  const see = `see pulsar ${command} --help`;
  const missing = /^Missing required positional argument: (\w+)/.exec(err.message)?.[1];
  const args = (typeof sub.args === "function" ? await sub.args() : sub.args) as ArgsDef | undefined;
  const positional = Object.entries(args ?? {}).find(([name]) => name.toUpperCase() === missing)?.[1];
  if (missing && positional?.description)
    return new ConfigError(
      `missing ${positional.description.replace(/ \(.*\)$/, "")} (pulsar ${command} ${missing}); ${see}`,
    );
  return new ConfigError(`${plain(err.message)}; ${see}`);
}

if (import.meta.main || !Bun.isMainThread) await cli();
