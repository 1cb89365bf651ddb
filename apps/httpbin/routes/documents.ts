/**
 * Fixed documents: /html, /xml, /json, /robots.txt, /deny, /encoding/utf8,
 * /forms/post, /links/{n}[/{offset}], and the original's /plaintext and /getsize.
 */
import { hostname } from "node:os";
import { Hono } from "hono";
import { base, headers } from "../info.ts";

export const documents = new Hono();

const SLIDESHOW = {
  slideshow: {
    author: "Yours Truly",
    date: "date of publication",
    slides: [
      { title: "Wake up to WonderWidgets!", type: "all" },
      {
        items: ["Why <em>WonderWidgets</em> are great", "Who <em>buys</em> WonderWidgets"],
        title: "Overview",
        type: "all",
      },
    ],
    title: "Sample Slide Show",
  },
};

const XML = `<?xml version='1.0' encoding='us-ascii'?>
<!--  A SAMPLE set of slides  -->
<slideshow title="Sample Slide Show" date="Date of publication" author="Yours Truly">
    <slide type="all"><title>Wake up to WonderWidgets!</title></slide>
    <slide type="all">
        <title>Overview</title>
        <item>Why <em>WonderWidgets</em> are great</item>
        <item>Who <em>buys</em> WonderWidgets</item>
    </slide>
</slideshow>`;

const HTML = `<!DOCTYPE html>
<html><head><title>Moby-Dick</title></head>
<body>
  <h1>Herman Melville - Moby-Dick</h1>
  <div><p>Availing himself of the mild, summer-cool weather that now reigned in these latitudes, and in
  preparation for the peculiarly active pursuits shortly to be anticipated, Perth, the begrimed, blistered
  old blacksmith, had not removed his portable forge to the hold again.</p></div>
</body></html>`;

const DENY = `
          .-''''''-.
        .' _      _ '.
       /   O      O   \\
      :                :
      |                |
      :       __       :
       \\  .-"\`  \`"-.  /
        '.          .'
          '-......-'
     YOU SHOULDN'T BE HERE
`;

const UTF8 = `<h1>Unicode Demo</h1>
<p>Mathematics: ∮ E⋅da = Q,  n → ∞, ∑ f(i) = ∏ g(i)</p>
<p>Greek: Σὲ γνωρίζω ἀπὸ τὴν κόψη</p>
<p>Runes: ᚻᛖ ᚳᚹᚫᚦ ᚦᚫᛏ ᚻᛖ ᛒᚢᛞᛖ ᚩᚾ ᚦᚫᛗ</p>
<p>Braille: ⡌⠁⠧⠑ ⠼⠁⠒  ⡍⠜⠇⠑⠹⠰⠎ ⡣⠕⠌</p>
<p>Emoji: 🚀 🐝 ☕</p>`;

const FORM = `<!DOCTYPE html>
<html><body>
<form method="post" action="/post">
  <p><label>Customer name: <input name="custname"></label></p>
  <p><label>Telephone: <input type=tel name="custtel"></label></p>
  <p><label>E-mail address: <input type=email name="custemail"></label></p>
  <fieldset><legend> Pizza Size </legend>
    <p><label><input type=radio name=size value="small"> Small </label></p>
    <p><label><input type=radio name=size value="medium"> Medium </label></p>
    <p><label><input type=radio name=size value="large"> Large </label></p>
  </fieldset>
  <p><label>Delivery instructions: <textarea name="comments"></textarea></label></p>
  <p><button>Submit order</button></p>
</form>
</body></html>`;

/** Fixed GET bodies, served by httpbin's fetch before routing: path → [body, content type]. */
export const STATIC: Map<string, [string, string]> = new Map([
  ["/json", [JSON.stringify(SLIDESHOW), "application/json"]],
  ["/plaintext", ["Hello, World!", "text/plain; charset=UTF-8"]],
  ["/robots.txt", ["User-agent: *\nDisallow: /deny\n", "text/plain; charset=UTF-8"]],
  ["/xml", [XML, "application/xml"]],
  ["/html", [HTML, "text/html; charset=UTF-8"]],
  ["/deny", [DENY, "text/plain; charset=UTF-8"]],
  ["/encoding/utf8", [UTF8, "text/html; charset=UTF-8"]],
  ["/forms/post", [FORM, "text/html; charset=UTF-8"]],
]);
for (const [path, [text, type]] of STATIC)
  documents.get(path, () => new Response(text, { headers: { "content-type": type } }));

documents.get("/links/:n{[0-9]+}/:offset{[0-9]+}?", (c) => {
  const n = Math.min(Math.max(Math.floor(Number(c.req.param("n")) || 0), 0), 200);
  if (c.req.param("offset") === undefined) return c.redirect(`/links/${n}/0`, 302); // httpbin's canonical page
  const offset = Math.floor(Number(c.req.param("offset") ?? 0)) || 0;
  const links = Array.from({ length: n }, (_, i) => (i === offset ? `${i} ` : `<a href='/links/${n}/${i}'>${i}</a> `));
  return c.html(`<html><head><title>Links</title></head><body>${links.join("")}</body></html>`);
});

// The original pulsar's extras.
documents.get("/getsize/:n", (c) => {
  const size = Math.min(Math.max(Math.floor(Number(c.req.param("n")) || 0), 0), 8 * 2 ** 20);
  return c.json({ ...base(c), size, data: "d".repeat(size) });
});
documents.post("/post_chunks", async (c) => {
  return new Response(c.req.raw.body, {
    headers: { "content-type": c.req.header("content-type") ?? "application/octet-stream" },
  });
});
documents.post("/expect", (c) =>
  c.req.header("expect")?.toLowerCase() === "100-continue"
    ? c.json({ error: "Expectation Failed" }, 417)
    : c.json(base(c)),
);
documents.get("/hostname", (c) => c.json({ hostname: hostname() }));
documents.all("/dump/request", async (c) => {
  const url = new URL(c.req.url);
  const lines = [`${c.req.method} ${url.pathname}${url.search} HTTP/1.1`];
  // A dump is the request as it came (go-httpbin's): the environment headers stay.
  for (const [k, v] of Object.entries(headers(c, false))) lines.push(`${k}: ${v}`);
  return c.text(`${lines.join("\r\n")}\r\n\r\n${await c.req.text()}`);
});
