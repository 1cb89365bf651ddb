/**
 * Typed errors with stable codes. Errors cross IPC as data (`toJSON`) and are
 * rebuilt by code on the other side (`PulsarError.fromJSON`), so callers branch
 * on `err.code`, never on `instanceof` across processes.
 */

/** Every error code the runtime raises. Stable: users match on these. */
export type ErrorCode =
  | "E_CONFIG"
  | "E_ACTOR_NOT_FOUND"
  | "E_COMMAND_NOT_FOUND"
  | "E_COMMAND_FAILED"
  | "E_FUNCTION_NOT_FOUND"
  | "E_IPC_TIMEOUT"
  | "E_IPC_CLOSED"
  | "E_NOT_RUNNING"
  | "E_BOOT"
  | "E_APP_LOAD"
  | "E_CONTROL"
  | "E_PUBSUB_UNAVAILABLE"
  | "E_PUBSUB_ARGUMENT"
  | "E_LOCK_TIMEOUT";

/** Serialized form of an error, as it travels over IPC. */
export interface ErrorData {
  code: ErrorCode | string;
  message: string;
  name?: string;
  details?: unknown;
}

/**
 * Base of every error the runtime raises.
 * @example
 * try { await send("nobody", "ping") } catch (e) { if (e.code === "E_ACTOR_NOT_FOUND") … }
 */
export class PulsarError extends Error {
  readonly code: ErrorCode | string;
  readonly details?: unknown;
  constructor(code: ErrorCode | string, message: string, details?: unknown) {
    super(message);
    this.name = "PulsarError";
    this.code = code;
    this.details = details;
  }
  toJSON(): ErrorData {
    return { code: this.code, message: this.message, name: this.name, details: this.details };
  }
  /** Rebuild an error received as data, as the subclass its code names. */
  static fromJSON(data: ErrorData): PulsarError {
    const Cls = byCode[data.code as ErrorCode];
    const err = Cls ? new Cls(data.message, data.details) : new PulsarError(data.code, data.message, data.details);
    return err;
  }
  /** Turn anything thrown into error data, keeping a PulsarError's code. */
  static toData(err: unknown): ErrorData {
    if (err instanceof PulsarError) return err.toJSON();
    if (err instanceof Error) return { code: "E_COMMAND_FAILED", message: err.message, name: err.name };
    return { code: "E_COMMAND_FAILED", message: String(err) };
  }
}

function coded(code: ErrorCode, name: string) {
  return class extends PulsarError {
    constructor(message: string, details?: unknown) {
      super(code, message, details);
      this.name = name;
    }
  };
}

/** A setting has a bad value, or a config file is wrong. Exit code 2. */
export class ConfigError extends coded("E_CONFIG", "ConfigError") {}
/** No actor answers to that target. */
export class ActorNotFoundError extends coded("E_ACTOR_NOT_FOUND", "ActorNotFoundError") {}
/** The target actor has no such command. */
export class CommandNotFoundError extends coded("E_COMMAND_NOT_FOUND", "CommandNotFoundError") {}
/** A command threw an error that was not a PulsarError. */
export class CommandError extends coded("E_COMMAND_FAILED", "CommandError") {}
/** `run` named a function that no module registered. */
export class FunctionNotFoundError extends coded("E_FUNCTION_NOT_FOUND", "FunctionNotFoundError") {}
/** No answer came within the call's timeout. */
export class IpcTimeoutError extends coded("E_IPC_TIMEOUT", "IpcTimeoutError") {}
/** The channel to the other actor closed before it answered. */
export class IpcClosedError extends coded("E_IPC_CLOSED", "IpcClosedError") {}
/** The runtime is not running here (no arbiter, or not inside an actor). */
export class NotRunningError extends coded("E_NOT_RUNNING", "NotRunningError") {}
/** A worker failed while booting: the arbiter stops rather than respawn-loop. */
export class BootError extends coded("E_BOOT", "BootError") {}
/** A user script or app could not be loaded. */
export class AppLoadError extends coded("E_APP_LOAD", "AppLoadError") {}
/** The control socket could not be reached. */
export class ControlError extends coded("E_CONTROL", "ControlError") {}

/** The pub/sub data store (Redis) cannot be reached: publish fails fast instead of queueing. */
export class PubSubUnavailableError extends coded("E_PUBSUB_UNAVAILABLE", "PubSubUnavailableError") {}
/** A bad argument to pub/sub or a lock: an empty channel or name, a bad data store URL, a bad timeout. */
export class PubSubArgumentError extends coded("E_PUBSUB_ARGUMENT", "PubSubArgumentError") {}
/** A named lock was not acquired within its timeout. */
export class LockTimeoutError extends coded("E_LOCK_TIMEOUT", "LockTimeoutError") {}

const byCode: Record<ErrorCode, new (message: string, details?: unknown) => PulsarError> = {
  E_CONFIG: ConfigError,
  E_ACTOR_NOT_FOUND: ActorNotFoundError,
  E_COMMAND_NOT_FOUND: CommandNotFoundError,
  E_COMMAND_FAILED: CommandError,
  E_FUNCTION_NOT_FOUND: FunctionNotFoundError,
  E_IPC_TIMEOUT: IpcTimeoutError,
  E_IPC_CLOSED: IpcClosedError,
  E_NOT_RUNNING: NotRunningError,
  E_BOOT: BootError,
  E_APP_LOAD: AppLoadError,
  E_CONTROL: ControlError,
  E_PUBSUB_UNAVAILABLE: PubSubUnavailableError,
  E_PUBSUB_ARGUMENT: PubSubArgumentError,
  E_LOCK_TIMEOUT: LockTimeoutError,
};

/** Exit codes are API: scripts and supervisors (systemd, k8s) branch on them. */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  /** A bad setting or config file. */
  CONFIG: 2,
  /** A worker failed while booting; the arbiter stopped instead of respawning. */
  BOOT_ERROR: 3,
  /** A user script or app failed to load. */
  APP_LOAD_ERROR: 4,
} as const;

/** The exit code an error maps to when it ends the program. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof PulsarError) {
    if (err.code === "E_CONFIG") return EXIT.CONFIG;
    if (err.code === "E_APP_LOAD") return EXIT.APP_LOAD_ERROR;
    if (err.code === "E_BOOT") return EXIT.BOOT_ERROR;
  }
  return EXIT.ERROR;
}
