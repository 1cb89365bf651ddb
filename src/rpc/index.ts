/** JSON-RPC 2.0: the dispatcher, typed methods, the server commands and the JsonProxy client. */
export { type Batch, type Client, JsonProxy, type JsonProxyOptions, type RpcProxy, type Untyped } from "./client.ts";
export { documentation, rpcServer, type ServerCommands, serverCommands, signature } from "./commands.ts";
export { JsonRpc, type JsonRpcOptions, type Methods, type RpcId, type RpcResponse } from "./dispatcher.ts";
export { RPC_CODES, RpcError, type RpcErrorObject, RpcTransportError } from "./errors.ts";
export { type ArgsOf, type MethodMeta, method, type ParamSpec, type ParamType, type RpcMethod } from "./method.ts";
export {
  type FetchLike,
  type HttpTransportOptions,
  httpTransport,
  localTransport,
  type Transport,
  wsTransport,
} from "./transport.ts";
