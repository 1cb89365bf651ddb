/**
 * `--daemon`: Bun cannot fork, so the program re-spawns itself detached (its
 * own session, no terminal) and the launcher waits until the daemon is ready
 * to serve: every app's workers are up. Then it exits 0, so a script can use
 * the server on the next line (as with `gunicorn -D`). If the boot fails it
 * exits with the daemon's code and shows what the daemon logged; if the
 * daemon is not ready in time it stops it and fails. The daemon's output goes
 * to the pid file's path with `.log`.
 *
 * Why a pipe: the daemon holds one end (fd 3) and writes `ready` to it once
 * booted; its exit closes it. So the launcher learns both outcomes from one
 * event, without polling, and a daemon that dies, even by SIGKILL, can never
 * look ready. A pid file is written before the workers boot, and the control
 * socket may belong to another arbiter, so neither says "ready".
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { GlobalSettings } from "../config/resolve.ts";
import { BootError, EXIT } from "../errors.ts";
import { childEnv, selfCommand } from "./worker-handle.ts";

/** Set in the daemon, to the fd of its end of the ready pipe (until it says ready). */
export const DAEMON_ENV = "PULSAR_DAEMONIZED";
/** The daemon's end of the ready pipe: the first fd after stdio. */
const READY_FD = 3;
/** How long a boot may take before the launcher gives up on it. */
const READY_WITHIN_MS = 60_000;
/** How much of the daemon's log a failed boot shows. */
const LOG_LINES = 20;

/** The pid file a daemon writes: the setting, else `pulsar.pid` in the current folder. */
export function daemonPidFile(cfg: Pick<GlobalSettings, "pid_file">): string {
  return resolve(cfg.pid_file || "pulsar.pid");
}

/** In the launcher: start the daemon, wait until it is ready (or failed), and exit. */
export async function daemonize(cfg: GlobalSettings): Promise<never> {
  const pidFile = daemonPidFile(cfg);
  const logFile = `${pidFile.replace(/\.pid$/, "")}.log`;
  const out = openSync(logFile, "a");
  const logStart = fstatSync(out).size;
  const child = Bun.spawn(selfCommand(), {
    detached: true,
    env: childEnv({ [DAEMON_ENV]: String(READY_FD), PULSAR_PID_FILE: pidFile }),
    stdio: ["ignore", out, out, "pipe"],
  });
  child.unref();
  const line = await firstLine(child.stdio[READY_FD] as number, READY_WITHIN_MS);
  if (line === "ready") {
    console.log(`pulsar: running in the background as pid ${child.pid} (pid file ${pidFile}, log ${logFile})`);
    process.exit(EXIT.OK);
  }
  if (line === null) {
    child.kill("SIGTERM");
    throw new BootError(
      `the daemon (pid ${child.pid}) was not ready within ${READY_WITHIN_MS / 1000} s, so it was stopped; see ${logFile}`,
    );
  }
  const code = await child.exited;
  const logged = readFrom(logFile, logStart).trimEnd().split("\n").slice(-LOG_LINES).join("\n");
  if (logged) console.error(logged);
  console.error(`pulsar: the daemon stopped before it was ready (exit code ${code}); see ${logFile}`);
  process.exit(code || EXIT.ERROR);
}

/** In the daemon, once booted: tell the launcher, and close the pipe so nothing else can use it. */
export function tellLauncherReady(): void {
  const fd = Number(process.env[DAEMON_ENV]);
  if (!(fd > 2)) return;
  process.env[DAEMON_ENV] = "1"; // still a daemon, but the pipe is gone
  try {
    writeSync(fd, "ready\n");
    closeSync(fd);
  } catch {
    // the launcher was interrupted: nobody is waiting, and the fd closes at exit
  }
}

/** The first line on `fd`: "" when it closes first (the daemon exited), null after `ms`. */
async function firstLine(fd: number, ms: number): Promise<string | null> {
  let timer: Timer | undefined;
  const timeout = new Promise<null>((done) => {
    timer = setTimeout(() => done(null), ms);
  });
  const read = (async () => {
    let text = "";
    const decoder = new TextDecoder();
    const reader = Bun.file(fd).stream().getReader();
    while (!text.includes("\n")) {
      const r = await reader.read();
      if (r.done) break;
      text += decoder.decode(r.value, { stream: true });
    }
    return text.split("\n")[0] ?? "";
  })();
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What `path` holds past `offset` (this run's part of an appended log), at most its last 64 KiB. */
function readFrom(path: string, offset: number): string {
  const fd = openSync(path, "r");
  try {
    const end = fstatSync(fd).size;
    const from = Math.max(offset, end - 65_536);
    const size = end - from;
    if (size <= 0) return "";
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, from);
    return buf.toString("utf8");
  } finally {
    closeSync(fd);
  }
}
