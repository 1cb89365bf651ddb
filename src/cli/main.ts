#!/usr/bin/env bun
/**
 * The `pulsar` command. In a spawned worker this same entry point runs again
 * with the worker's identity in its environment, and `start()` becomes that
 * worker instead of an arbiter.
 */
import { isMainThread } from "node:worker_threads";
import { type CommandDef, defineCommand, runCommand, showUsage } from "citty";
import { EXIT, exitCodeOf, PulsarError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { info, reload, scale, stop } from "./commands/control.ts";
import run from "./commands/run.ts";
import serve from "./commands/serve.ts";

const subCommands: Record<string, CommandDef> = { run, serve, info, stop, reload, scale } as Record<string, CommandDef>;

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
  const sub = first ? subCommands[first] : undefined;
  if (!first || first === "--help" || first === "-h") return showUsage(main);
  if (sub && (argv.includes("--help") || argv.includes("-h"))) return showUsage(sub, main);
  if (!sub) {
    console.error(`pulsar: unknown command "${first}"; try pulsar --help`);
    process.exit(EXIT.CONFIG);
  }
  try {
    await runCommand(main, { rawArgs: argv });
  } catch (err) {
    console.error(`pulsar: ${err instanceof PulsarError ? err.message : ((err as Error).stack ?? String(err))}`);
    process.exit(exitCodeOf(err));
  }
}

if (import.meta.main || !isMainThread) await cli();
