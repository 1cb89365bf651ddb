/** The landing page: every route, with its limits. */
import { LIMITS } from "./routes/bytes.ts";

const ROUTES: [string, string][] = [
  ["/get, /post, /put, /patch, /delete", "the request as JSON: args, headers, origin, url (+ data, files, form, json)"],
  ["/anything[/path]", "any method, echoed with its method"],
  ["/headers, /ip, /user-agent, /uuid", "request inspection"],
  ["/status/{codes}", "that status; a list picks at random; 200:0.9,500:0.1 is weighted"],
  ["/redirect/{n}?absolute=true, /relative-redirect/{n}, /absolute-redirect/{n}", "n redirects, then /get"],
  [
    "/redirect-to?url=&status_code=",
    "a redirect to a relative URL, or to a host of the allowlist (--httpbin-redirect-hosts)",
  ],
  ["/cookies, /cookies/set?k=v, /cookies/set/{name}/{value}, /cookies/delete?k", "cookies"],
  ["/basic-auth/{user}/{passwd}, /hidden-basic-auth/{user}/{passwd}, /bearer", "auth challenges"],
  [
    "/digest-auth/{qop}/{user}/{passwd}[/{algorithm}[/{stale_after}]]",
    "digest auth (MD5, SHA-256, SHA-512; qop auth, auth-int; stale after n uses of a nonce)",
  ],
  ["/delay/{n}", `the request after n seconds (at most ${LIMITS.delaySeconds})`],
  [
    "/drip?duration=&numbytes=&code=&delay=",
    `bytes dripped over a duration (at most ${LIMITS.dripSeconds} s, ${LIMITS.dripBytes} bytes)`,
  ],
  ["/stream/{n}", `n JSON lines (at most ${LIMITS.streamLines})`],
  ["/stream/{m}/{n}", "n chunks of m bytes (the original pulsar's)"],
  ["/bytes/{n}?seed=", `n random bytes, reproducible with a seed (at most ${LIMITS.bytes})`],
  ["/stream-bytes/{n}?seed=&chunk_size=", `n random bytes, streamed (at most ${LIMITS.streamBytes})`],
  [
    "/range/{n}?chunk_size=&duration=",
    `n bytes honouring Range: 206, 416, Accept-Ranges, ETag (at most ${LIMITS.bytes}, over at most ${LIMITS.rangeSeconds} s)`,
  ],
  ["/gzip, /deflate, /brotli", "compressed JSON"],
  ["/cache, /cache/{n}, /etag/{etag}", "conditional requests: 304 and 412"],
  ["/response-headers?k=v, /base64/{value}", "response shaping"],
  [
    "/html, /xml, /json, /robots.txt, /deny, /encoding/utf8, /forms/post, /links/{n}/{offset}",
    "fixed documents (/json is httpbin.org's slideshow; --json-shape techempower gives the original's {message})",
  ],
  ["/plaintext, /getsize/{n}, /post_chunks, /expect, /hostname, /dump/request", "the original pulsar's extras"],
  ["/image (by Accept), /image/png, /image/jpeg, /image/webp, /image/svg", "images"],
  ["/sse?count=&duration=&delay=", "server-sent events (at most 100, over at most 10 s)"],
  ["/websocket/echo", "a websocket that echoes each message"],
  ["/graph (page), /graph-data (websocket)", "100 random points per message, drawn live"],
  ["PUT /upload", "a streamed multipart upload, 413 as soon as it passes the body limit"],
];

export function landingPage(limit: number): string {
  const rows = ROUTES.map(([route, what]) => `<tr><td><code>${route}</code></td><td>${what}</td></tr>`).join("\n");
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>httpbin (pulsar)</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}td{padding:.25rem .75rem;vertical-align:top}code{font-size:.9rem}</style>
</head><body>
<h1>httpbin</h1>
<p>An HTTP request and response service, compatible with httpbin.org, served by pulsar.
Every route answers CORS preflights. Request bodies over ${limit} bytes get 413.</p>
<table>${rows}</table>
</body></html>`;
}
