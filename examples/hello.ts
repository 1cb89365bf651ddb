/**
 * The original's hello world: GET / answers "Hello World!\n"; other methods get 405.
 *   bun examples/hello.ts --workers 4
 */
import { HttpServer } from "pulsar";

new HttpServer(
  (req) =>
    req.method === "GET" || req.method === "HEAD"
      ? new Response("Hello World!\n", { headers: { "content-type": "text/plain; charset=utf-8" } })
      : new Response("Method Not Allowed\n", { status: 405, headers: { allow: "GET, HEAD" } }),
  { name: "hello" },
).start();
