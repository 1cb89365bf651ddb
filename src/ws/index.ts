/** Websocket routes with bounded buffers, size limits, idle timeouts, and topics bound to pub/sub. */
export { CLOSE, WsSocket } from "./socket.ts";
export { WebSockets, type WsHandler, type WsOptions, type WsRoute } from "./sockets.ts";
