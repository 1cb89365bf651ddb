/**
 * JSON-RPC over HTTP: a POST whose body is a request or a batch. Whatever is
 * not one gets an HTTP status that says why (405, 415, 413) and still a
 * JSON-RPC error body, so a JSON-RPC client can show the reason. Answers of
 * `compressMin` characters or more are compressed when the client accepts it.
 */
import { compressedResponse } from "../server/compress.ts";
import type { JsonRpc } from "./dispatcher.ts";
import { invalidRequest, RPC_CODES, RpcError } from "./errors.ts";

const JSON_HEADERS = { "content-type": "application/json" };

/** The media types JSON-RPC clients send: application/json, and the older json-rpc and jsonrequest. */
const ACCEPTED = /^application\/(json|json-rpc|jsonrequest)\s*(;|$)/i;

function errorResponse(status: number, err: RpcError, headers: Record<string, string> = {}): Response {
  const body = JSON.stringify({ jsonrpc: "2.0", error: err.toObject(), id: null });
  return new Response(body, { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** Answer one HTTP request with `rpc`. */
export async function serveHttp(rpc: JsonRpc, req: Request): Promise<Response> {
  if (req.method !== "POST")
    return errorResponse(405, invalidRequest(`JSON-RPC is served by POST, not ${req.method}`), { allow: "POST" });
  const type = req.headers.get("content-type") ?? "";
  if (!ACCEPTED.test(type))
    return errorResponse(
      415,
      invalidRequest(`the body must be application/json, not ${type ? JSON.stringify(type) : "untyped"}`),
    );
  const length = Number(req.headers.get("content-length") ?? Number.NaN);
  // Refused before reading when the length is known; a chunked body is counted as it arrives.
  if (length > rpc.maxBody) return tooLarge(rpc, length);
  const text = Number.isNaN(length) ? await readCapped(req, rpc.maxBody) : await req.text();
  if (text === undefined) return tooLarge(rpc);
  const answer = rpc.answerText(text);
  return answer instanceof Promise ? answer.then((a) => respond(rpc, req, a)) : respond(rpc, req, answer);
}

function respond(rpc: JsonRpc, req: Request, answer: string | undefined): Response | Promise<Response> {
  if (answer === undefined) return new Response(null, { status: 204 });
  // Accept-Encoding is read only for a large answer: a small one (calc.add) pays one comparison.
  if (rpc.compressMin > 0 && answer.length >= rpc.compressMin)
    return compressedResponse(answer, req.headers.get("accept-encoding"), JSON_HEADERS);
  return new Response(answer, { headers: JSON_HEADERS });
}

function tooLarge(rpc: JsonRpc, length?: number): Response {
  const size = length === undefined ? "the request body" : `a request body of ${length} bytes`;
  return errorResponse(
    413,
    new RpcError(RPC_CODES.INVALID_REQUEST, `Invalid Request: ${size} exceeds the limit of ${rpc.maxBody} bytes`),
  );
}

/** The body as text, or undefined as soon as it passes `max` bytes. */
async function readCapped(req: Request, max: number): Promise<string | undefined> {
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    size += r.value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(r.value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
