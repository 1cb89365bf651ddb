/**
 * The HttpClient session against an httpbin: params, JSON, cookies, redirects,
 * Digest auth, a streamed body, typed errors and a websocket.
 *   pulsar run httpbin &            # or: npm start
 *   bun examples/http-client.ts http://127.0.0.1:8060
 */
import { HttpClient, HttpError } from "pulsar";

const baseURL = process.argv[2] ?? "http://127.0.0.1:8060";
await using http = new HttpClient({ baseURL, timeout: 10_000, headers: { "x-example": "http-client" } });

const got = await http.get("/get", { params: { a: 1 } });
console.log("GET /get", got.status, (await got.json<{ args: unknown }>()).args, `${got.elapsed.toFixed(1)} ms`);

const posted = await http.post("/post", { json: { hello: "world" } });
console.log("POST /post json", (await posted.json<{ json: unknown }>()).json);

const cookies = await http.get("/cookies/set", { params: { flavour: "oat" } });
console.log("cookies", await cookies.json(), "after", cookies.history.length, "redirect(s)");

const digest = await http.get("/digest-auth/auth/ada/s3cret/SHA-256", {
  auth: { username: "ada", password: "s3cret", scheme: "digest" },
});
console.log("digest", digest.status, await digest.json());

const streamed = await http.get("/stream/3", { stream: true });
for await (const line of streamed.lines()) console.log("stream line", JSON.parse(line).id);

try {
  (await http.get("/status/418")).raiseForStatus();
} catch (err) {
  if (err instanceof HttpError) console.log("error", err.code, err.message);
}

await using ws = await http.websocket("/websocket/echo");
ws.send("ping");
console.log("websocket echo", await ws.receive(5000));
