/** Cookies: /cookies, /cookies/set?k=v, /cookies/set/{name}/{value}, /cookies/delete?k. */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { showsEnv } from "../info.ts";

/** Analytics cookies python-httpbin leaves out of /cookies unless the query has `show_env` (its ENV_COOKIES). */
const ENV_COOKIES = [
  "_gauges_unique",
  "_gauges_unique_year",
  "_gauges_unique_month",
  "_gauges_unique_day",
  "_gauges_unique_hour",
  "__utmz",
  "__utma",
  "__utmb",
];

export const cookies = new Hono();

cookies.get("/cookies", (c) => {
  const all = getCookie(c);
  if (!showsEnv(c.req.url)) for (const name of ENV_COOKIES) delete all[name];
  return c.json({ cookies: all });
});
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
