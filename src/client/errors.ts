/**
 * The HttpClient's errors. Each has a stable `code` (users branch on it, and it
 * survives IPC as data), and each message names the method and URL, because
 * "connection refused" alone does not say which of fifty calls failed.
 */
import { PulsarError } from "../errors.ts";

/** Every code the HTTP client raises. */
export type HttpErrorCode =
  | "E_HTTP_CONNECT"
  | "E_HTTP_DNS"
  | "E_HTTP_TIMEOUT"
  | "E_HTTP_TLS"
  | "E_HTTP_REDIRECTS"
  | "E_HTTP_STATUS"
  | "E_HTTP_BODY"
  | "E_HTTP_REQUEST"
  | "E_HTTP_CLOSED"
  | "E_WEBSOCKET";

/** What every client error carries besides its message. */
export interface HttpErrorDetails {
  method: string;
  url: string;
  /** The underlying error's code from Bun's fetch (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`…). */
  cause?: string;
  status?: number;
}

/**
 * Base of the client's errors.
 * @example
 * try { await http.get("/") } catch (e) { if (e instanceof HttpError && e.code === "E_HTTP_TIMEOUT") retry() }
 */
export class HttpError extends PulsarError {
  declare readonly code: HttpErrorCode;
  declare readonly details: HttpErrorDetails;
  constructor(code: HttpErrorCode, message: string, details: HttpErrorDetails) {
    super(code, message, details);
    this.name = "HttpError";
  }
  /** The URL of the request that failed. */
  get url(): string {
    return this.details.url;
  }
  /** Its method. */
  get method(): string {
    return this.details.method;
  }
}

function httpError(code: HttpErrorCode, name: string) {
  return class extends HttpError {
    constructor(message: string, details: HttpErrorDetails) {
      super(code, message, details);
      this.name = name;
    }
  };
}

/** Nothing listens at the address, or the connection was reset before an answer. */
export class ConnectError extends httpError("E_HTTP_CONNECT", "ConnectError") {}
/** The host name does not resolve. */
export class DnsError extends httpError("E_HTTP_DNS", "DnsError") {}
/** No answer (or, when streaming, no next chunk) within the timeout. */
export class HttpTimeoutError extends httpError("E_HTTP_TIMEOUT", "HttpTimeoutError") {}
/** The TLS handshake failed or the certificate was refused. */
export class TlsError extends httpError("E_HTTP_TLS", "TlsError") {}
/** More redirects than `maxRedirects` (the message lists the chain's start). */
export class TooManyRedirectsError extends httpError("E_HTTP_REDIRECTS", "TooManyRedirectsError") {}
/** `raiseForStatus()` on a 4xx or 5xx answer. `details.status` holds the status. */
export class HttpStatusError extends httpError("E_HTTP_STATUS", "HttpStatusError") {
  /** The HTTP status that was refused. */
  get status(): number {
    return this.details.status ?? 0;
  }
}
/** The body could not be read or decoded (bad JSON, read twice when streamed). */
export class BodyError extends httpError("E_HTTP_BODY", "BodyError") {}
/** The request itself is wrong (bad URL, conflicting options), or failed in a way none of the above names. */
export class RequestError extends httpError("E_HTTP_REQUEST", "RequestError") {}
/** The client was closed while the request was in flight. */
export class ClientClosedError extends httpError("E_HTTP_CLOSED", "ClientClosedError") {}
/** A websocket could not open, or failed while open. */
export class WebSocketError extends httpError("E_WEBSOCKET", "WebSocketError") {}

/** Why an abort happened: the client sets one of these as the signal's reason. */
export const TIMEOUT = Symbol("timeout");
export const CLOSED = Symbol("closed");

const TLS_CODES = /CERT|SSL|TLS|EPROTO|HANDSHAKE|UNABLE_TO_VERIFY|SELF_SIGNED|HOSTNAME|ALTNAME/i;

/**
 * Turn what Bun's fetch threw into a coded client error. `reason` is the abort
 * reason, when the client aborted the request itself.
 */
export function classify(err: unknown, method: string, url: string, reason?: unknown, timeout?: number): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { code?: string; name?: string; message?: string };
  const cause = typeof e?.code === "string" ? e.code : e?.name;
  const at = `${method} ${url}`;
  const details: HttpErrorDetails = { method, url, ...(cause ? { cause } : {}) };
  if (reason === TIMEOUT || e?.name === "TimeoutError")
    return new HttpTimeoutError(`${at}: no answer within ${timeout ?? "the"} ms`, details);
  if (reason === CLOSED) return new ClientClosedError(`${at}: the client was closed`, details);
  const code = e?.code ?? "";
  const text = e?.message ?? String(err);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || /getaddrinfo|DNS/i.test(code))
    return new DnsError(`${at}: the host ${hostOf(url)} does not resolve (${code})`, details);
  if (/ECONNREFUSED|ConnectionRefused/i.test(code))
    return new ConnectError(`${at}: connection refused (nothing listens at ${hostOf(url, true)})`, details);
  if (TLS_CODES.test(code)) return new TlsError(`${at}: TLS failed: ${text} (${code})`, details);
  if (/ECONNRESET|EPIPE|ConnectionClosed|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|FailedToOpenSocket/i.test(code))
    return new ConnectError(`${at}: ${text} (${code})`, details);
  if (e?.name === "AbortError") return new RequestError(`${at}: aborted`, details);
  return new RequestError(`${at}: ${text}${code ? ` (${code})` : ""}`, details);
}

function hostOf(url: string, withPort = false): string {
  try {
    const u = new URL(url);
    return withPort ? u.host : u.hostname;
  } catch {
    return url;
  }
}
