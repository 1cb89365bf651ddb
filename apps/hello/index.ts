/**
 * The original's hello world: `GET /` answers `Hello World!\n` as text/plain;
 * any other method gets 405.
 */
import { HttpServer, type HttpServerOptions } from "../../src/server/http-server.ts";

const HEADERS = { "content-type": "text/plain; charset=utf-8" };
const ALLOW = { ...HEADERS, allow: "GET, HEAD" };

/** The hello world handler. */
export function helloWorld(req: Request): Response {
  if (req.method === "GET" || req.method === "HEAD") return new Response("Hello World!\n", { headers: HEADERS });
  return new Response("Method Not Allowed\n", { status: 405, headers: ALLOW });
}

/** The `hello` app: `pulsar run hello --workers 4`. */
export function hello(options: HttpServerOptions = {}): HttpServer {
  return new HttpServer(helloWorld, { name: "hello", ...options });
}
