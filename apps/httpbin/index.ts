/**
 * httpbin: an httpbin.org-compatible HTTP test service, as a Hono app.
 *   pulsar run httpbin --workers 2
 */
import { Hono } from "hono";
import { websocket } from "hono/bun";
import type { AppSettings } from "../../src/config/resolve.ts";
import { defineSetting } from "../../src/config/settings.ts";
import type { Handler } from "../../src/server/handler.ts";
import { HttpServer, type HttpServerOptions } from "../../src/server/http-server.ts";
import { landingPage } from "./landing.ts";
import { allowedMethods, notServed } from "./methods.ts";
import { auth } from "./routes/auth.ts";
import { bytes } from "./routes/bytes.ts";
import { content } from "./routes/content.ts";
import { cookies } from "./routes/cookies.ts";
import { documents, STATIC } from "./routes/documents.ts";
import { echo, INSPECT } from "./routes/echo.ts";
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

defineSetting({
  name: "json_shape",
  type: "enum",
  choices: ["httpbin", "techempower"],
  default: "httpbin",
  scope: "app",
  section: "httpbin",
  app: "httpbin",
  help: 'What GET /json returns: httpbin.org\'s slideshow, or the original pulsar\'s TechEmpower {"message": "Hello, World!"}.',
});

/** The TechEmpower JSON test's body, the original pulsar's /json. */
const TECHEMPOWER_JSON = JSON.stringify({ message: "Hello, World!" });

const PREFLIGHT = {
  "access-control-allow-methods": "GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD",
  "access-control-max-age": "3600",
  "access-control-allow-credentials": "true",
};

/**
 * OPTIONS, as python-httpbin answers it: 200 with `Allow` on a path some route serves, and the
 * preflight headers whether or not the client asked for CORS. A preflight for a path no route
 * serves still gets a 204 (every preflight passes; the request itself then gets its 404); a plain
 * OPTIONS there gets nothing here, and so the router's 404.
 */
function answerOptions(req: Request, allowed: string[]): Response | undefined {
  const asked = req.headers.get("access-control-request-headers");
  const preflight = req.headers.has("access-control-request-method");
  if (allowed.length === 0 && !preflight) return undefined;
  return new Response(null, {
    status: allowed.length > 0 ? 200 : 204,
    headers: {
      ...(allowed.length > 0 ? { allow: allowed.join(", ") } : {}),
      ...PREFLIGHT,
      "access-control-allow-origin": req.headers.get("origin") ?? "*",
      ...(asked ? { "access-control-allow-headers": asked } : {}),
    },
  });
}

const CREDENTIALS = { "access-control-allow-credentials": "true" };

/** The fixed documents as ready responses for the common case (no Origin): a clone is cheaper than a build. */
function readyDocuments(documents: Map<string, [string, string]>): Map<string, Response> {
  return new Map(
    [...documents].map(([path, [body, type]]) => [
      path,
      new Response(body, { headers: { "content-type": type, "access-control-allow-origin": "*", ...CREDENTIALS } }),
    ]),
  );
}

/** The path of an absolute URL, without parsing all of it. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.indexOf("?", start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

function withCors(res: Response, origin: string): Response {
  let out = res;
  try {
    out.headers.set("access-control-allow-origin", origin);
  } catch {
    out = new Response(res.body, res); // immutable headers (a redirect): copy once
    out.headers.set("access-control-allow-origin", origin);
  }
  out.headers.set("access-control-allow-credentials", "true");
  return out;
}

type RequestIP = { requestIP(req: Request): unknown };

/** A stand-in for the server whose requestIP answers for `req`, whatever request it is asked about. */
function peerOf(req: Request, server: unknown): RequestIP | undefined {
  const s = server as RequestIP | undefined;
  return s?.requestIP ? { requestIP: () => s.requestIP(req) } : undefined;
}

export interface HttpbinOptions {
  /** Hosts /redirect-to may redirect to. */
  redirectHosts?: string[];
  /** The body limit shown on the landing page. */
  bodyLimit?: number;
  /** What /json returns: httpbin.org's slideshow (the default) or TechEmpower's message. */
  jsonShape?: "httpbin" | "techempower";
}

/** The httpbin service: its Hono app, and `fetch`, which adds CORS around it. */
export interface Httpbin {
  app: Hono;
  fetch(req: Request, server?: unknown): Response | Promise<Response>;
}

/**
 * The httpbin service. CORS is added around the app rather than as a Hono
 * middleware: the middleware path cost two thirds of the throughput.
 */
export function createHttpbin(options: HttpbinOptions = {}): Httpbin {
  const app = new Hono();
  const limit = options.bodyLimit ?? 2 ** 24;
  const fixed = new Map(STATIC);
  if (options.jsonShape === "techempower") {
    fixed.set("/json", [TECHEMPOWER_JSON, "application/json"]);
    app.get("/json", (c) => c.body(TECHEMPOWER_JSON, 200, { "content-type": "application/json" }));
  }
  const READY = readyDocuments(fixed);
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
  // No route for this method: 405 with Allow where the path has routes for others, else 404.
  app.notFound((c) => notServed(app, c.req.method, c.req.path));
  return {
    app,
    fetch(req, server) {
      if (req.method === "OPTIONS") {
        const answer = answerOptions(req, allowedMethods(app, app.getPath(req)));
        if (answer) return Promise.resolve(answer);
      }
      const origin = req.headers.get("origin") ?? "*";
      if (req.method === "GET") {
        // Fixed documents skip the router: the hot TechEmpower-style routes (/json, /plaintext).
        const path = pathOf(req.url);
        const ready = READY.get(path);
        if (ready) return origin === "*" ? ready.clone() : withCors(ready.clone(), origin);
        // The request-inspection routes skip the router too, with CORS set at construction.
        const inspect = INSPECT[path];
        if (inspect)
          return new Response(JSON.stringify(inspect({ req: { raw: req }, env: server })), {
            headers: { "content-type": "application/json", "access-control-allow-origin": origin, ...CREDENTIALS },
          });
      }
      // Hono answers HEAD with the GET route's headers but a null body, which Bun sends as
      // Content-Length: 0. Run it as the GET it stands for and let Bun drop the body: the length
      // stays GET's (RFC 9110 §9.3.2). The peer address still comes from the real request.
      const res =
        req.method === "HEAD"
          ? app.fetch(new Request(req, { method: "GET" }), peerOf(req, server))
          : app.fetch(req, server);
      // Most routes answer synchronously: no extra turn of the event loop for them.
      return res instanceof Promise ? res.then((r) => withCors(r, origin)) : (withCors(res, origin) as never);
    },
  };
}

/** Builds the app in each worker from that worker's settings. */
class HttpbinServer extends HttpServer {
  protected override handler(cfg: AppSettings): Handler {
    const service = createHttpbin({
      redirectHosts: cfg.redirect_hosts as string[],
      bodyLimit: cfg.stream_buffer,
      jsonShape: cfg.json_shape as HttpbinOptions["jsonShape"],
    });
    return { fetch: service.fetch, websocket };
  }
}

/** The `httpbin` app: `pulsar run httpbin`. */
export function httpbin(options: HttpServerOptions = {}): HttpServer {
  return new HttpbinServer(() => new Response(null, { status: 500 }), { name: "httpbin", ...options });
}
