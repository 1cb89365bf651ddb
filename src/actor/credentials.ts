/**
 * `--user` / `--group`: the user and group that worker processes switch to,
 * like gunicorn's. A worker starts as the launching user (root), binds its
 * listeners (so ports below 1024 work), then drops: supplementary groups,
 * then the group, then the user, before it says `ready` and serves anything.
 * The arbiter keeps its privileges: it spawns the workers that bind on a
 * reload, a scale-up or a crash replacement.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";

// POSIX calls: optional in @types/node (Windows has none), and initgroups is missing from the types.
const posix = process as unknown as {
  getuid(): number;
  getgid(): number;
  setuid(id: number): void;
  setgid(id: number): void;
  setgroups(ids: number[]): void;
  initgroups(user: string, gid: number): void;
};

/** Whom the workers run as. */
export interface Credentials {
  uid: number;
  gid: number;
  /** The user's name, for its supplementary groups (initgroups); absent for a bare uid or `--group` alone. */
  name?: string;
}

/** One entry of the user or group database: its name, and its id and (for users) primary group. */
export interface DbEntry {
  name: string;
  id: number;
  gid?: number;
}

/** Finds a user (`passwd`) or group by name or by numeric id. */
export type Lookup = (db: "passwd" | "group", key: string) => DbEntry | undefined;

/**
 * The system's lookup: /etc/passwd and /etc/group, then `getent` for users that
 * only NSS knows (LDAP, sssd). Bun's setuid accepts names, but the arbiter must
 * resolve them without switching, to refuse an unknown one before any spawn.
 */
export const systemLookup: Lookup = (db, key) => {
  let text = "";
  try {
    text = readFileSync(`/etc/${db}`, "utf8");
  } catch {}
  const found = findEntry(text, key);
  if (found || !Bun.which("getent")) return found;
  const out = Bun.spawnSync(["getent", db, key], { stdout: "pipe", stderr: "ignore" });
  return out.exitCode === 0 ? findEntry(out.stdout.toString(), key) : undefined;
};

/** The entry named `key` (or whose id is `key`) in passwd/group `text` (`name:x:id:gid:…`). */
export function findEntry(text: string, key: string): DbEntry | undefined {
  const byId = /^\d+$/.test(key);
  for (const line of text.split("\n")) {
    const [name, , id, gid] = line.split(":");
    if (!name || id === undefined || line.startsWith("#")) continue;
    if (byId ? id === key : name === key)
      return { name, id: Number(id), ...(gid && /^\d+$/.test(gid) ? { gid: Number(gid) } : {}) };
  }
  return undefined;
}

/**
 * Resolve `user` and `group` (names or numeric ids; "" is no change) to ids.
 * With only a user, its primary group; with only a group, the current uid.
 * An unknown name is a ConfigError that names it.
 * @example resolveCredentials("nobody", "") // { uid: 65534, gid: 65534, name: "nobody" }
 */
export function resolveCredentials(user: string, group: string, lookup: Lookup = systemLookup): Credentials | null {
  if (!user && !group) return null;
  let uid = posix.getuid();
  let gid: number | undefined;
  let name: string | undefined;
  if (user) {
    const entry = lookup("passwd", user);
    // A bare uid without a passwd entry is allowed (containers run arbitrary uids), a name is not.
    if (!entry && !/^\d+$/.test(user))
      throw new ConfigError(`unknown user "${user}" (--user): not in the user database`);
    uid = entry?.id ?? Number(user);
    name = entry?.name;
    gid = entry?.gid;
  }
  if (group) {
    const entry = lookup("group", group);
    if (!entry && !/^\d+$/.test(group))
      throw new ConfigError(`unknown group "${group}" (--group): not in the group database`);
    gid = entry?.id ?? Number(group);
  }
  if (gid === undefined)
    throw new ConfigError(`user ${user} has no entry in the user database, so no primary group: give --group too`);
  // Only --group: keep the user, but not root's supplementary groups.
  return { uid, gid, ...(user && name ? { name } : {}) };
}

/**
 * The arbiter's check, before it spawns anything: the names exist, every app
 * runs its workers as processes (a thread or inline worker lives in the
 * arbiter's process, which keeps its privileges), and switching is allowed.
 */
export function checkCredentials(
  global: { user?: string; group?: string },
  apps: { name: string; concurrency: string }[],
  lookup: Lookup = systemLookup,
): Credentials | null {
  const user = global.user ?? "";
  const group = global.group ?? "";
  if (!user && !group) return null;
  const flags = [user && `--user ${user}`, group && `--group ${group}`].filter(Boolean).join(" ");
  if (typeof process.getuid !== "function") throw new ConfigError(`${flags} needs a POSIX system (not Windows)`);
  for (const app of apps)
    if (app.concurrency !== "process")
      throw new ConfigError(
        `${flags} switches worker processes only, and app "${app.name}" runs with --concurrency ${app.concurrency} (inside the arbiter's process); use --concurrency process`,
      );
  const creds = resolveCredentials(user, group, lookup);
  if (creds && !switchable(creds))
    throw new ConfigError(`${flags}: switching users needs root, and this arbiter runs as uid ${posix.getuid()}`);
  return creds;
}

/** May this process become `creds`? Root may; anyone else only when it already is them. */
function switchable(creds: Credentials): boolean {
  const uid = posix.getuid();
  return uid === 0 || (uid === creds.uid && posix.getgid() === creds.gid);
}

/**
 * In a worker, once its listeners are bound: become `user`/`group`. Groups
 * first, then the gid, then the uid (after setuid there is no right left to
 * change groups). Bun's setuid/setgid go through libc, which applies them to
 * every thread of the process. Returns what it switched to, or null.
 */
export function dropPrivileges(user: string, group: string, lookup: Lookup = systemLookup): Credentials | null {
  const creds = resolveCredentials(user, group, lookup);
  if (!creds) return null;
  // Not root and already them (checked by the arbiter): nothing to change, and no right to.
  if (posix.getuid() !== 0) return creds;
  if (creds.name) posix.initgroups(creds.name, creds.gid);
  else posix.setgroups([creds.gid]);
  posix.setgid(creds.gid);
  posix.setuid(creds.uid);
  return creds;
}
