/** The commands that act on a running arbiter through its control socket: info, stop, reload, scale. */
import { existsSync } from "node:fs";
import { defineCommand } from "citty";
import { controlPath, controlRequest } from "../../actor/control.ts";
import { controlArgs, controlSettings, needInt } from "../args.ts";
import { formatInfo } from "../table.ts";

export const info = defineCommand({
  meta: { name: "info", description: "Show the running arbiter's tree: monitors, workers, pids, memory, requests" },
  args: { ...controlArgs, json: { type: "boolean", description: "print JSON instead of a table" } },
  async run({ args }) {
    const tree = (await controlRequest(controlPath(controlSettings(args)), "info")) as Record<string, unknown>;
    console.log(args.json ? JSON.stringify(tree, null, 2) : formatInfo(tree));
  },
});

export const stop = defineCommand({
  meta: { name: "stop", description: "Stop the running arbiter gracefully and wait until it is gone" },
  args: controlArgs,
  async run({ args }) {
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
  async run({ args }) {
    await controlRequest(controlPath(controlSettings(args)), "reload", [], 600_000);
    console.log("reloaded");
  },
});

export const scale = defineCommand({
  meta: { name: "scale", description: "Set the number of workers (of every app, or of --app)" },
  args: {
    ...controlArgs,
    workers: { type: "positional", required: true, description: "the number of workers" },
    app: { type: "string", description: "only this app" },
  },
  async run({ args }) {
    const n = needInt(args.workers, "the number of workers");
    const result = await controlRequest(controlPath(controlSettings(args)), "scale", [n, args.app || undefined]);
    for (const [app, count] of Object.entries(result as Record<string, number>))
      console.log(`${app}: ${count} workers`);
  },
});
