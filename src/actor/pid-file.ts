/**
 * The arbiter's pid file: written once it is about to serve, removed on the
 * way out if it still names us, and checked at start so that a second
 * arbiter with the same pid file refuses to run instead of taking the file
 * (and with it `pulsar stop -p`) away from the first, as gunicorn does.
 */
import { readFileSync, readlinkSync, unlinkSync, writeFileSync } from "node:fs";

/**
 * The pid of the live arbiter that the pid file at `path` names, or 0: no file,
 * no number in it, our own pid, a dead process (a stale file, replaced as usual),
 * or a pid the system has since given to another program.
 * @example if (runningArbiter("pulsar.pid")) throw new BootError("already running");
 */
export function runningArbiter(path: string): number {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, "utf8"), 10);
  } catch {
    return 0;
  }
  if (!(pid > 0) || pid === process.pid) return 0;
  if (process.platform !== "linux") return signalable(pid) ? pid : 0;
  return alive(pid) && looksLikeArbiter(pid) ? pid : 0;
}

/** Write our pid to `path`. */
export function writePidFile(path: string): void {
  writeFileSync(path, `${process.pid}\n`);
}

/** Remove `path` if it still names us (a refused second arbiter must leave the first one's). */
export function removePidFile(path: string): void {
  try {
    if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path);
  } catch {}
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Pids are reused (after a reboot, a stale file may name anything), so the process must
 * also look like one of ours: the same executable (the binary, or bun running a script),
 * or an arbiter's title. One we may not inspect (another user's) counts as ours, to be safe.
 */
function looksLikeArbiter(pid: number): boolean {
  const exe = (p: string) => readlinkSync(`/proc/${p}/exe`).replace(/ \(deleted\)$/, "");
  try {
    if (exe(String(pid)) === exe("self")) return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EACCES") return true;
  }
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").includes("arbiter");
  } catch {
    return false;
  }
}
