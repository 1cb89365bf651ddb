/**
 * `--daemon`: Bun cannot fork, so the program re-spawns itself detached (its
 * own session, no terminal), waits until the daemon wrote its pid file, and
 * exits. The daemon's output goes to the pid file's path with `.log`.
 */
import { openSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { GlobalSettings } from "../config/resolve.ts";
import { ConfigError, EXIT } from "../errors.ts";
import { childEnv, selfCommand } from "./worker-handle.ts";

export const DAEMON_ENV = "PULSAR_DAEMONIZED";

export async function daemonize(cfg: GlobalSettings): Promise<never> {
  const pidFile = resolve(cfg.pid_file || "pulsar.pid");
  const logFile = `${pidFile.replace(/\.pid$/, "")}.log`;
  const out = openSync(logFile, "a");
  const child = Bun.spawn(selfCommand(), {
    detached: true,
    env: childEnv({ [DAEMON_ENV]: "1", PULSAR_PID_FILE: pidFile }),
    stdio: ["ignore", out, out],
  });
  child.unref();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      console.error(`pulsar: the daemon exited with code ${child.exitCode}; see ${logFile}`);
      process.exit(child.exitCode || EXIT.ERROR);
    }
    try {
      if (readFileSync(pidFile, "utf8").trim() === String(child.pid)) {
        console.log(`pulsar: running in the background as pid ${child.pid} (pid file ${pidFile}, log ${logFile})`);
        process.exit(EXIT.OK);
      }
    } catch {}
    await Bun.sleep(50);
  }
  throw new ConfigError(`the daemon did not write ${pidFile} within 15 s; see ${logFile}`);
}
