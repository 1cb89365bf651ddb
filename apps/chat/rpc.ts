/**
 * POST /rpc: JSON-RPC 2.0 with the one method `message(text)`, which publishes
 * like the websocket and returns "OK".
 *
 * TODO(merge): this minimal handler stands in for the shared dispatcher of
 * src/rpc/ (built on another branch); at merge, register `message` there and
 * mount that dispatcher at /rpc instead. It follows JSON-RPC 2.0 for this
 * case: parse error -32700, invalid request -32600, unknown method -32601,
 * bad params -32602, internal error -32603; notifications get 204; batches work.
 */
import type { PubSub } from "../../src/pubsub/hub.ts";
import { ChatMessageError, publishMessage } from "./message.ts";

type Id = string | number | null;
interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

const reply = (id: Id, body: { result: unknown } | { error: RpcError }) => ({ jsonrpc: "2.0", id, ...body });

async function call(pubsub: PubSub, channel: string, req: unknown): Promise<object | null> {
  if (!req || typeof req !== "object" || Array.isArray(req))
    return reply(null, { error: { code: -32600, message: "Invalid Request: expected an object" } });
  const { jsonrpc, method, params, id } = req as Record<string, unknown>;
  const validId = id === undefined || id === null || typeof id === "string" || typeof id === "number";
  if (jsonrpc !== "2.0" || typeof method !== "string" || !validId)
    return reply(validId ? ((id ?? null) as Id) : null, {
      error: { code: -32600, message: 'Invalid Request: needs jsonrpc "2.0", a method name and a valid id' },
    });
  const notification = id === undefined;
  const answer = (body: { result: unknown } | { error: RpcError }) => (notification ? null : reply(id as Id, body));
  if (method !== "message") return answer({ error: { code: -32601, message: `Method not found: ${method}` } });
  const text = Array.isArray(params)
    ? params[0]
    : params && typeof params === "object"
      ? ((params as Record<string, unknown>).text ?? (params as Record<string, unknown>).message)
      : undefined;
  if ((Array.isArray(params) && params.length !== 1) || typeof text !== "string")
    return answer({ error: { code: -32602, message: "Invalid params: message(text) takes one string" } });
  try {
    await publishMessage(pubsub, channel, text);
    return answer({ result: "OK" });
  } catch (err) {
    if (err instanceof ChatMessageError)
      return answer({ error: { code: -32602, message: `Invalid params: ${err.message}` } });
    const e = err as { code?: string; message?: string };
    return answer({ error: { code: -32603, message: "Internal error", data: { code: e.code, message: e.message } } });
  }
}

/** Answer one POST /rpc request. */
export async function rpcHandler(req: Request, pubsub: PubSub, channel: string): Promise<Response> {
  let body: unknown;
  try {
    body = JSON.parse(await req.text());
  } catch {
    return Response.json(reply(null, { error: { code: -32700, message: "Parse error: the body is not JSON" } }));
  }
  if (Array.isArray(body)) {
    if (!body.length)
      return Response.json(reply(null, { error: { code: -32600, message: "Invalid Request: empty batch" } }));
    const out = (await Promise.all(body.map((r) => call(pubsub, channel, r)))).filter(Boolean);
    return out.length ? Response.json(out) : new Response(null, { status: 204 });
  }
  const out = await call(pubsub, channel, body);
  return out ? Response.json(out) : new Response(null, { status: 204 });
}
