/** The calculator's `GET /` page: each method with its doc line, and a form that calls them over POST /. */
import { signature } from "../../src/rpc/commands.ts";
import type { JsonRpc } from "../../src/rpc/dispatcher.ts";
import type { MethodMeta } from "../../src/rpc/method.ts";

const html = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** An example params value for the form: the declared names, in order. */
function exampleParams(meta: MethodMeta): string {
  if (!meta.params) return "[]";
  const sample = { number: 1, int: 1, string: '"text"', boolean: true, object: "{}", array: "[]", any: '"hello"' };
  return `[${meta.params
    .filter((p) => !p.optional)
    .map((p) => sample[p.type])
    .join(", ")}]`;
}

/** The page, built once per worker. */
export function calculatorPage(rpc: JsonRpc): string {
  const names = rpc.names();
  const rows = names
    .map((name) => {
      const meta = rpc.describe(name) as MethodMeta;
      return `<tr><td><code>${html(signature(name, meta))}</code></td><td>${html(meta.doc)}</td></tr>`;
    })
    .join("\n");
  const options = names
    .map((name) => {
      const meta = rpc.describe(name) as MethodMeta;
      return `<option value="${html(name)}" data-params="${html(exampleParams(meta))}">${html(name)}</option>`;
    })
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pulsar calculator</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:.35rem .5rem;vertical-align:top}
form{display:grid;gap:.5rem;grid-template-columns:8rem 1fr;align-items:center;margin:1rem 0}
textarea,select,input{font:inherit}pre{background:#f4f4f4;padding:.75rem;overflow:auto;white-space:pre-wrap}
</style></head><body>
<h1>Pulsar calculator</h1>
<p>JSON-RPC 2.0 at <code>POST /</code> (<code>content-type: application/json</code>) and on the websocket <code>/ws</code>.
Batches and notifications work; params are positional (an array) or named (an object).</p>
<h2>Methods</h2>
<table id="methods">${rows}</table>
<h2>Try it</h2>
<form id="call">
<label for="method">method</label><select id="method" name="method">${options}</select>
<label for="params">params (JSON)</label><textarea id="params" name="params" rows="2">[1, 2]</textarea>
<span></span><button type="submit">Call</button>
</form>
<pre id="result"></pre>
<script>
const form = document.getElementById("call"), select = document.getElementById("method");
const params = document.getElementById("params"), out = document.getElementById("result");
let id = 0;
select.addEventListener("change", () => { params.value = select.selectedOptions[0].dataset.params; });
params.value = select.selectedOptions[0].dataset.params;
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  let p;
  try { p = params.value.trim() ? JSON.parse(params.value) : undefined; }
  catch (e) { out.textContent = "params are not JSON: " + e.message; return; }
  const body = { jsonrpc: "2.0", method: select.value, id: ++id };
  if (p !== undefined) body.params = p;
  out.textContent = "calling " + select.value + "…";
  try {
    const res = await fetch("/", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await res.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
    out.textContent = res.ok ? shown : "HTTP " + res.status + "\\n" + shown;
  } catch (e) {
    out.textContent = "the request failed: " + e.message;
  }
  out.dataset.calls = String(id);
});
</script>
</body></html>
`;
}
