/** The commands that act on a running arbiter through its control socket: info, stop, reload, scale. */
import { existsSync } from "node:fs";
import { type ArgsDef, defineCommand } from "citty";
import { controlPath, controlRequest } from "../../actor/control.ts";
import { ConfigError, PulsarError } from "../../errors.ts";
import { controlArgs, controlSettings, needInt, refuseExtra } from "../args.ts";
import { formatInfo } from "../table.ts";

const infoArgs = { ...controlArgs, json: { type: "boolean", description: "print JSON instead of a table" } } as const;

export const info = defineCommand({
  meta: { name: "info", description: "Show the running arbiter's tree: monitors, workers, pids, memory, requests" },
  args: infoArgs,
  async run({ args, rawArgs }) {
    refuseExtra("info", infoArgs, rawArgs, args._);
    const tree = (await controlRequest(controlPath(controlSettings(args)), "info")) as Record<string, unknown>;
    console.log(args.json ? JSON.stringify(tree, null, 2) : formatInfo(tree));
  },
});

export const stop = defineCommand({
  meta: { name: "stop", description: "Stop the running arbiter gracefully and wait until it is gone" },
  args: controlArgs,
  async run({ args, rawArgs }) {
    refuseExtra("stop", controlArgs, rawArgs, args._);
    const path = controlPath(controlSettings(args));
    const tree = (await controlRequest(path, "info")) as { pid: number };
    await controlRequest(path, "stop");
    const deadline = Date.now() + 60_000;
    while (existsSync(path) && Date.now() < deadline) await Bun.sleep(50);
    console.log(`stopped arbiter (pid ${tree.pid})`);
  },
});

export const reload = defineCommand({
  meta: { name: "reload", description: "Replace every worker one by one, with no failed request" },
  args: controlArgs,
  async run({ args, rawArgs }) {
    refuseExtra("reload", controlArgs, rawArgs, args._);
    await controlRequest(controlPath(controlSettings(args)), "reload", [], 600_000);
    console.log("reloaded");
  },
});

const scaleArgs = {
  ...controlArgs,
  // Not required for citty: a missing number, or a negative one (which citty reads as a flag), is said here.
  workers: { type: "positional", required: false, description: "the number of workers" },
  app: { type: "string", description: "only this app" },
} as const satisfies ArgsDef;

export const scale = defineCommand({
  meta: { name: "scale", description: "Set the number of workers (of every app, or of --app)" },
  args: scaleArgs,
  async run({ args, rawArgs }) {
    const negative = rawArgs.find((a) => /^-\d/.test(a));
    if (args.workers === undefined && negative === undefined)
      throw new ConfigError("missing the number of workers (pulsar scale N); see pulsar scale --help");
    refuseExtra("scale", scaleArgs, rawArgs, args._, 1);
    const n = needInt(args.workers ?? negative, "the number of workers");
    const path = controlPath(controlSettings(args));
    const result = await controlRequest(path, "scale", [n, args.app || undefined]).catch(async (err) => {
      if (!(err instanceof PulsarError && err.code === "E_ACTOR_NOT_FOUND")) throw err;
      // An app the arbiter does not run is a bad argument (exit 2), named with the ones it runs.
      const tree = (await controlRequest(path, "info").catch(() => ({}))) as { monitors?: { name: string }[] };
      const names = (tree.monitors ?? []).map((m) => m.name).join(", ");
      throw new ConfigError(`unknown app "${args.app}"${names ? `: the arbiter runs ${names}` : ""}`);
    });
    for (const [app, count] of Object.entries(result as Record<string, number>))
      console.log(`${app}: ${count} workers`);
  },
});
