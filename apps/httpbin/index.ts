/**
 * httpbin: an httpbin.org-compatible HTTP test service, as a Hono app.
 *   pulsar run httpbin --workers 2
 */
import { Hono } from "hono";
import { websocket } from "hono/bun";
import { cors } from "hono/cors";
import type { AppSettings } from "../../src/config/resolve.ts";
import { defineSetting } from "../../src/config/settings.ts";
import type { Handler } from "../../src/server/handler.ts";
import { HttpServer, type HttpServerOptions } from "../../src/server/http-server.ts";
import { landingPage } from "./landing.ts";
import { auth } from "./routes/auth.ts";
import { bytes } from "./routes/bytes.ts";
import { content } from "./routes/content.ts";
import { cookies } from "./routes/cookies.ts";
import { documents } from "./routes/documents.ts";
import { echo } from "./routes/echo.ts";
import { images } from "./routes/images.ts";
import { live } from "./routes/live.ts";
import { redirects } from "./routes/redirects.ts";
import { status } from "./routes/status.ts";

defineSetting({
  name: "redirect_hosts",
  type: "list",
  default: [],
  scope: "app",
  section: "httpbin",
  app: "httpbin",
  help: "Hosts that /redirect-to may send clients to (relative URLs always work): no open redirect by default.",
});

export interface HttpbinOptions {
  /** Hosts /redirect-to may redirect to. */
  redirectHosts?: string[];
  /** The body limit shown on the landing page. */
  bodyLimit?: number;
}

/** The httpbin Hono app. */
export function createHttpbin(options: HttpbinOptions = {}): Hono {
  const app = new Hono();
  // httpbin.org answers every origin, with credentials.
  app.use(cors({ origin: (origin) => origin || "*", credentials: true, maxAge: 3600 }));
  const limit = options.bodyLimit ?? 2 ** 24;
  app.get("/", (c) => c.html(landingPage(limit)));
  for (const routes of [
    echo,
    status,
    redirects(options.redirectHosts ?? []),
    cookies,
    auth,
    bytes,
    content,
    documents,
    images,
    live(limit),
  ])
    app.route("/", routes);
  return app;
}

/** Builds the app in each worker from that worker's settings. */
class HttpbinServer extends HttpServer {
  protected override handler(cfg: AppSettings): Handler {
    const app = createHttpbin({ redirectHosts: cfg.redirect_hosts as string[], bodyLimit: cfg.stream_buffer });
    return { fetch: app.fetch, websocket };
  }
}

/** The `httpbin` app: `pulsar run httpbin`. */
export function httpbin(options: HttpServerOptions = {}): HttpServer {
  return new HttpbinServer(() => new Response(null, { status: 500 }), { name: "httpbin", ...options });
}
