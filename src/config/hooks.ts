/**
 * Lifecycle hooks, settable in code and in the config file. A hook that
 * throws is logged with its name and never wedges a start or a stop (the
 * original spun at 100 % CPU when its stop path raised).
 */
import type { Logger } from "../log/logger.ts";

export const HOOK_NAMES = [
  "on_config",
  "monitor_start",
  "monitor_stopping",
  "worker_start",
  "worker_stopping",
  "worker_info",
  "when_ready",
  "when_exit",
] as const;

export type HookName = (typeof HOOK_NAMES)[number];

/**
 * The arbiter's own events. Each of these hooks runs once per event, wherever
 * it is set: for the arbiter, or for one app. The other hooks concern one app,
 * its monitor or its workers, and run for each of those they apply to.
 */
export const ARBITER_HOOKS: readonly HookName[] = ["when_ready", "when_exit"];
// biome-ignore lint/suspicious/noExplicitAny: hooks receive the object they concern (app, monitor, actor, arbiter)
export type Hook = (subject: any, extra?: any) => unknown;
export type Hooks = Partial<Record<HookName, Hook>>;

export function isHookName(name: string): name is HookName {
  return (HOOK_NAMES as readonly string[]).includes(name);
}

/**
 * Run hook `name` if set; log and swallow what it throws. A hook gets
 * `limitMs` to settle (stopping hooks must not hang a stop); the result is
 * `undefined` when it threw or timed out.
 */
export async function runHook(
  hooks: Hooks,
  name: HookName,
  log: Logger,
  args: unknown[],
  limitMs = 10_000,
): Promise<unknown> {
  const hook = hooks[name];
  if (!hook) return undefined;
  let timer: Timer | undefined;
  try {
    const result = hook(args[0], args[1]);
    if (!(result instanceof Promise)) return result;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        log.error(`hook ${name} did not settle within ${limitMs} ms; going on without it`);
        resolve(undefined);
      }, limitMs);
    });
    return await Promise.race([result, timeout]);
  } catch (err) {
    log.error(`hook ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
