/**
 * JSON-RPC 2.0 errors: the standard codes, `RpcError` (thrown by methods,
 * raised by the client), and the error object a response carries.
 */
import { PulsarError } from "../errors.ts";

/** The error codes the JSON-RPC 2.0 specification reserves. */
export const RPC_CODES = {
  /** The body is not JSON. */
  PARSE_ERROR: -32700,
  /** The JSON is not a valid request object (or the batch is empty or too large). */
  INVALID_REQUEST: -32600,
  /** No method has that name. */
  METHOD_NOT_FOUND: -32601,
  /** The params do not match the method's declared parameters. */
  INVALID_PARAMS: -32602,
  /** The method threw something that is not an `RpcError`. */
  INTERNAL_ERROR: -32603,
} as const;

/** The `error` member of a JSON-RPC response. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * An error with a JSON-RPC code. A method throws one to answer with that code;
 * the client raises one for every error response. `code` is the runtime's
 * stable `"E_RPC"` (like every PulsarError); the JSON-RPC number is `rpcCode`.
 * @example
 * throw new RpcError(1000, "division by zero", { dividend: 1 });
 * try { await proxy.calc.divide(1, 0) } catch (e) { if (e instanceof RpcError) e.rpcCode; }
 */
export class RpcError extends PulsarError {
  /** The JSON-RPC error code (-32601, or an application's own). */
  readonly rpcCode: number;
  /** The error's `data` member, when it has one. */
  readonly data?: unknown;

  constructor(rpcCode: number, message: string, data?: unknown) {
    super("E_RPC", message, data);
    this.name = "RpcError";
    this.rpcCode = rpcCode;
    if (data !== undefined) this.data = data;
  }

  /** The error object of a response. */
  toObject(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.rpcCode, message: this.message }
      : { code: this.rpcCode, message: this.message, data: this.data };
  }

  /** Rebuild an error received in a response. */
  static fromObject(obj: RpcErrorObject): RpcError {
    return new RpcError(obj.code, obj.message, obj.data);
  }
}

/** Invalid params (-32602), with a message naming the parameter. */
export function invalidParams(message: string): RpcError {
  return new RpcError(RPC_CODES.INVALID_PARAMS, `Invalid params: ${message}`);
}

/** Invalid request (-32600), with the reason. */
export function invalidRequest(reason: string): RpcError {
  return new RpcError(RPC_CODES.INVALID_REQUEST, `Invalid Request: ${reason}`);
}

/**
 * The error object for anything a method threw. An `RpcError` keeps its own
 * code and data; anything else is -32603 with the error's name, message and code,
 * and its stack only when `debug` is on: stacks show file paths and code.
 */
export function errorObjectOf(err: unknown, debug: boolean): RpcErrorObject {
  if (err instanceof RpcError) return err.toObject();
  const e = err instanceof Error ? err : new Error(String(err));
  const data: Record<string, unknown> = { name: e.name, message: e.message };
  // A coded error (a PulsarError: E_PUBSUB_UNAVAILABLE…) keeps its code, for clients to branch on.
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") data.code = code;
  if (debug && e.stack) data.stack = e.stack;
  return { code: RPC_CODES.INTERNAL_ERROR, message: "Internal error", data };
}

/**
 * The client could not get an answer: the connection failed or closed, the
 * call timed out, or the reply was not JSON-RPC.
 * @example
 * try { await proxy.ping() } catch (e) { if (e instanceof RpcTransportError) retryLater(); }
 */
export class RpcTransportError extends PulsarError {
  constructor(message: string, details?: unknown) {
    super("E_RPC_TRANSPORT", message, details);
    this.name = "RpcTransportError";
  }
}
