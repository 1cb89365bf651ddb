/** The httpbin app on a real port for the client's tests, stopped by `await using`. */
import { websocket } from "hono/bun";
import { createHttpbin } from "../../apps/httpbin/index.ts";

export interface Served extends AsyncDisposable {
  url: string;
  server: Bun.Server<unknown>;
}

/** httpbin on 127.0.0.1 and a free port. */
export function serveHttpbin(): Served {
  const service = createHttpbin({ redirectHosts: ["localhost"] });
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: service.fetch, websocket });
  return { url: `http://127.0.0.1:${server.port}`, server, [Symbol.asyncDispose]: () => server.stop(true) };
}

/** Any fetch handler on 127.0.0.1 and a free port. */
export function serve(fetch: (req: Request, server: Bun.Server<unknown>) => Response | Promise<Response>): Served {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
  return { url: `http://127.0.0.1:${server.port}`, server, [Symbol.asyncDispose]: () => server.stop(true) };
}
