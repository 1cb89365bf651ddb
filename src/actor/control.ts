/**
 * The control socket: a Unix socket (never reachable from the network) on
 * which `pulsar info|stop|reload|scale` reach the running arbiter. One JSON
 * request per line, one JSON answer per line.
 */
import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { GlobalSettings } from "../config/resolve.ts";
import { ControlError, PulsarError } from "../errors.ts";

/** Where the control socket lives: the setting, else beside the pid file, else a per-user default. */
export function controlPath(cfg: Pick<GlobalSettings, "control_socket" | "pid_file">): string {
  if (cfg.control_socket) return resolve(cfg.control_socket);
  if (cfg.pid_file) return `${resolve(cfg.pid_file).replace(/\.pid$/, "")}.sock`;
  const dir = join(tmpdir(), `pulsar-${process.getuid?.() ?? "user"}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, "arbiter.sock");
}

type Handler = (cmd: string, args: unknown[]) => Promise<unknown>;

/** Serve `handler` on the socket at `path`; returns null when a live arbiter already holds it. */
export async function listenControl(path: string, handler: Handler): Promise<{ close(): void } | null> {
  if (existsSync(path)) {
    if (await controlAnswers(path)) return null;
    unlinkSync(path); // stale: its arbiter died without cleaning up
  }
  const buffers = new WeakMap<object, string>();
  const listener = Bun.listen({
    unix: path,
    socket: {
      data(socket, chunk) {
        let buf = (buffers.get(socket) ?? "") + chunk.toString();
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          nl = buf.indexOf("\n");
          let req: { cmd: string; args?: unknown[] };
          try {
            req = JSON.parse(line);
          } catch {
            socket.write(`${JSON.stringify({ error: { code: "E_CONTROL", message: "bad request" } })}\n`);
            continue;
          }
          handler(req.cmd, req.args ?? []).then(
            (result) => socket.write(`${JSON.stringify({ result: result ?? null })}\n`),
            (err) => socket.write(`${JSON.stringify({ error: PulsarError.toData(err) })}\n`),
          );
        }
        buffers.set(socket, buf);
      },
    },
  });
  chmodSync(path, 0o600);
  return {
    close() {
      listener.stop(true);
      try {
        unlinkSync(path);
      } catch {}
    },
  };
}

/** Does a live arbiter answer on the socket at `path`? A stale socket file does not. */
export async function controlAnswers(path: string, timeout = 500): Promise<boolean> {
  if (!existsSync(path)) return false;
  return controlRequest(path, "ping", [], timeout).then(
    () => true,
    () => false,
  );
}

/** Ask the arbiter behind `path` to run `cmd`; rejects with ControlError when nobody answers. */
export async function controlRequest(
  path: string,
  cmd: string,
  args: unknown[] = [],
  timeout = 5000,
): Promise<unknown> {
  if (!existsSync(path)) throw new ControlError(`no running arbiter: ${path} does not exist`);
  const { promise, resolve: done, reject } = Promise.withResolvers<unknown>();
  let buf = "";
  const timer = setTimeout(
    () => reject(new ControlError(`the arbiter at ${path} did not answer within ${timeout} ms`)),
    timeout,
  );
  const socket = await Bun.connect({
    unix: path,
    socket: {
      data(_s, chunk) {
        buf += chunk.toString();
        const nl = buf.indexOf("\n");
        if (nl < 0) return;
        const reply = JSON.parse(buf.slice(0, nl));
        if (reply.error) reject(PulsarError.fromJSON(reply.error));
        else done(reply.result);
      },
      close() {
        reject(new ControlError(`the arbiter at ${path} closed the connection`));
      },
    },
  }).catch((err) => {
    clearTimeout(timer);
    throw new ControlError(`cannot reach the arbiter at ${path}: ${err.message}`);
  });
  socket.write(`${JSON.stringify({ cmd, args })}\n`);
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
    socket.end();
  }
}
