/**
 * pulsar: an arbiter supervises pools of actors that share nothing and talk by
 * messages, and serves HTTP on top. This is the public façade: re-exports only.
 */

// Actor layer
export { Actor, type ActorState, type Command, type CommandContext } from "./actor/actor.ts";
export { type ActorKind, defineActor } from "./actor/actor-kinds.ts";
export { Application, type AppOptions, type WorkerBody } from "./actor/application.ts";
export { Arbiter, type ArbiterOptions, arbiter, type StartOptions } from "./actor/arbiter.ts";
export { defineCommand, defineFunction } from "./actor/commands.ts";
export { Monitor } from "./actor/monitor.ts";
// Remote objects
export { exposeObject, type Remote, remoteObject } from "./actor/remote-object.ts";
export {
  ActorProxy,
  currentAid,
  notify,
  request,
  type SpawnOptions,
  send,
  spawn,
  type Target,
} from "./actor/runtime.ts";
// HTTP client
export type { Auth } from "./client/auth.ts";
export type { Data, FileField, ParamValue } from "./client/body.ts";
export { CookieJar, type CookieOptions, type StoredCookie } from "./client/cookie-jar.ts";
export * from "./client/errors.ts";
export {
  type AfterResponseHook,
  type BeforeRequestHook,
  HttpClient,
  type HttpClientOptions,
  type PreparedRequest,
  type RequestOptions,
} from "./client/http-client.ts";
export { HttpResponse } from "./client/response.ts";
export { WebSocketClient, type WebSocketOptions, type WsMessage } from "./client/websocket.ts";
// Configuration
export type { Hook, HookName, Hooks } from "./config/hooks.ts";
export type { AppSettings, GlobalSettings } from "./config/resolve.ts";
export { allSettings, defineSetting, type Setting } from "./config/settings.ts";
// Errors
export * from "./errors.ts";
// Logging
export { createLogger, type Logger, setLogLevel } from "./log/logger.ts";
// TCP and UDP serving
export { Connection, type NetStats } from "./net/connection.ts";
export type { Datagram, DatagramProtocol, Protocol } from "./net/protocol.ts";
export { type ProtocolFactory, SocketServer, type SocketServerOptions } from "./net/socket-server.ts";
export { UdpSocketServer, type UdpSocketServerOptions } from "./net/udp-server.ts";
// Pub/sub, channels, locks
export {
  ArbiterPubSub,
  acquire,
  type Backend,
  type ChannelEvent,
  Channels,
  createPubSub,
  dataStore,
  type EventHandler,
  LocalPubSub,
  Lock,
  type LockOptions,
  type MessageHandler,
  type PubSub,
  type PubSubOptions,
  pubsub,
  type RedisPubSub,
  type Subscription,
} from "./pubsub/index.ts";
// JSON-RPC
export {
  type ArgsOf,
  type Batch,
  type Client,
  documentation,
  type FetchLike,
  type HttpTransportOptions,
  httpTransport,
  JsonProxy,
  type JsonProxyOptions,
  JsonRpc,
  type JsonRpcOptions,
  localTransport,
  type MethodMeta,
  type Methods,
  method,
  type ParamSpec,
  type ParamType,
  RPC_CODES,
  RpcError,
  type RpcErrorObject,
  type RpcId,
  type RpcMethod,
  type RpcProxy,
  type RpcResponse,
  RpcTransportError,
  rpcServer,
  type ServerCommands,
  serverCommands,
  signature,
  type Transport,
  type Untyped,
  wsTransport,
} from "./rpc/index.ts";
// HTTP serving
export type { Handler } from "./server/handler.ts";
export { HttpServer, type HttpServerOptions } from "./server/http-server.ts";
export { VERSION } from "./version.ts";
// Websockets
export { CLOSE, WebSockets, type WsHandler, type WsOptions, type WsRoute, WsSocket } from "./ws/index.ts";
