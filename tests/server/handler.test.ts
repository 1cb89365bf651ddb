/** What `HttpServer` and `pulsar serve` accept as a handler, and the error for anything else. */
import { describe, expect, it } from "bun:test";
import type { Server } from "bun";
import { Hono } from "hono";
import { upgradeWebSocket, websocket } from "hono/bun";
import { AppLoadError, EXIT, exitCodeOf } from "../../src/errors.ts";
import { toServable } from "../../src/server/handler.ts";

// biome-ignore lint/suspicious/noExplicitAny: the handlers under test never touch the server
const noServer = {} as Server<any>;
const get = (path = "/") => new Request(`http://localhost${path}`);

describe("toServable", () => {
  it("serves a fetch function as it is", async () => {
    const fn = (req: Request) => new Response(new URL(req.url).pathname);
    const app = toServable(fn);
    expect(app.fetch).toBe(fn);
    expect(app.websocket).toBeUndefined();
    expect(await (await app.fetch(get("/a"), noServer)).text()).toBe("/a");
  });

  it("serves a function that takes no argument", async () => {
    const app = toServable(() => new Response("v1"));
    expect(await (await app.fetch(get(), noServer)).text()).toBe("v1");
  });

  it("serves a Hono app with its routes and params", async () => {
    const hono = new Hono();
    hono.get("/hi/:name", (c) => c.json({ hi: c.req.param("name") }));
    const app = toServable(hono);
    expect(await (await app.fetch(get("/hi/ada"), noServer)).json()).toEqual({ hi: "ada" });
    expect((await app.fetch(get("/nope"), noServer)).status).toBe(404);
  });

  it("calls fetch on its own object, so that a handler may use this", async () => {
    class Counter {
      count = 0;
      fetch(_req: Request) {
        this.count++;
        return new Response(String(this.count));
      }
    }
    const app = toServable(new Counter());
    await app.fetch(get(), noServer);
    expect(await (await app.fetch(get(), noServer)).text()).toBe("2");
  });

  it("keeps the websocket handler of { fetch, websocket }", () => {
    const hono = new Hono();
    const app = toServable({ fetch: hono.fetch, websocket });
    expect(app.websocket).toBe(websocket);
  });

  it("gives Bun.serve what it needs for a Hono websocket route", async () => {
    const hono = new Hono();
    hono.get(
      "/ws",
      upgradeWebSocket(() => ({ onMessage: (e, ws) => ws.send(`echo: ${e.data}`) })),
    );
    const app = toServable({ fetch: hono.fetch, websocket });
    await using server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch, websocket: app.websocket! });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    const reply = new Promise<string>((resolve, reject) => {
      ws.onmessage = (e) => resolve(String(e.data));
      ws.onerror = () => reject(new Error("websocket error"));
    });
    ws.onopen = () => ws.send("ping");
    expect(await reply).toBe("echo: ping");
    ws.close();
  });

  for (const [what, value] of [
    ["a number", 42],
    ["a string", "app"],
    ["null", null],
    ["undefined", undefined],
    ["an object without fetch", { routes: {} }],
    ["an object whose fetch is not a function", { fetch: "/" }],
  ] as const) {
    it(`refuses ${what} with an AppLoadError (exit code 4) saying what is expected`, () => {
      let error: unknown;
      try {
        toServable(value, "the default export of app.ts");
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(AppLoadError);
      expect((error as AppLoadError).code).toBe("E_APP_LOAD");
      expect(exitCodeOf(error)).toBe(EXIT.APP_LOAD_ERROR);
      expect((error as Error).message).toBe(
        "the default export of app.ts is not servable: expected a Hono app, a fetch(request) function or { fetch, websocket }",
      );
    });
  }

  it("names the handler when no name is given", () => {
    expect(() => toServable(42)).toThrow("the handler is not servable");
  });
});
