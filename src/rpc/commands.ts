/**
 * The original's server commands: `ping`, `echo`, `server_info` (the
 * arbiter's info tree), `functions_list` and `documentation` (from each
 * method's doc line). `rpcServer` adds them to a tree of methods.
 */
import { currentAid, request } from "../actor/runtime.ts";
import { VERSION } from "../version.ts";
import { JsonRpc, type JsonRpcOptions, type Methods } from "./dispatcher.ts";
import { type MethodMeta, method } from "./method.ts";

/** `calc.add(a: number, b: number)`, `echo(message?: any)`, `notes(...params)` for an undeclared one. */
export function signature(name: string, meta: MethodMeta): string {
  if (!meta.params) return `${name}(...params)`;
  return `${name}(${meta.params.map((p) => `${p.name}${p.optional ? "?" : ""}: ${p.type}`).join(", ")})`;
}

/** Every method of `rpc` as Markdown: its signature and its doc line. */
export function documentation(rpc: JsonRpc): string {
  const lines = ["# Methods", ""];
  for (const name of rpc.names()) {
    const meta = rpc.describe(name) as MethodMeta;
    lines.push(`- \`${signature(name, meta)}\`${meta.doc ? `: ${meta.doc}` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The arbiter's info tree when running under one; this process's facts otherwise (in-process use). */
async function serverInfo(): Promise<unknown> {
  if (currentAid() === null) return { arbiter: null, pid: process.pid, bun: Bun.version, pulsar: VERSION };
  return request({ to: "arbiter", cmd: "info", timeout: 5000 });
}

/** The server commands, answering for the dispatcher `root()` returns. */
export function serverCommands(root: () => JsonRpc) {
  return {
    ping: method({ doc: "Answer pong.", params: [] }, () => "pong"),
    echo: method({ doc: "Answer the message sent.", params: ["message?:any"] }, (message) => message ?? ""),
    server_info: method(
      { doc: "The arbiter's info tree: monitors, workers, pids, memory, requests.", params: [] },
      () => serverInfo(),
    ),
    functions_list: method({ doc: "The name of every method.", params: [] }, () => root().names()),
    documentation: method({ doc: "Every method with its parameters and doc line, as Markdown.", params: [] }, () =>
      documentation(root()),
    ),
  };
}

/** The server commands' types, for typed clients. */
export type ServerCommands = ReturnType<typeof serverCommands>;

/**
 * A dispatcher serving `methods` plus the server commands.
 * @example
 * const rpc = rpcServer({ calc: { add: method({ params: ["a:number", "b:number"] }, (a, b) => a + b) } });
 * await rpc.call("functions_list"); // ["calc.add", "documentation", "echo", …]
 */
export function rpcServer<M extends Methods>(methods: M, options: JsonRpcOptions = {}): JsonRpc<ServerCommands & M> {
  const rpc: JsonRpc<ServerCommands & M> = new JsonRpc({ ...serverCommands(() => rpc), ...methods }, options);
  return rpc;
}
