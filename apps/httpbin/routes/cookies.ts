/** Cookies: /cookies, /cookies/set?k=v, /cookies/set/{name}/{value}, /cookies/delete?k. */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export const cookies = new Hono();

cookies.get("/cookies", (c) => c.json({ cookies: getCookie(c) }));
cookies.get("/cookies/set", (c) => {
  for (const [k, v] of new URL(c.req.url).searchParams) setCookie(c, k, v, { path: "/" });
  return c.redirect("/cookies", 302);
});
cookies.get("/cookies/set/:name/:value", (c) => {
  setCookie(c, c.req.param("name"), c.req.param("value"), { path: "/" });
  return c.redirect("/cookies", 302);
});
cookies.get("/cookies/delete", (c) => {
  for (const k of new URL(c.req.url).searchParams.keys()) deleteCookie(c, k, { path: "/" });
  return c.redirect("/cookies", 302);
});
