/**
 * The chat page: messages as they arrive with their time, a box to type in,
 * and a websocket that reconnects by itself. Text is only ever set with
 * textContent, so a message is never read as HTML. A message the server
 * refuses (an error frame, or a close 1009 for a frame too big) is said under
 * the box, so the sender knows it went nowhere.
 */
export const CHAT_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pulsar chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex;flex-direction:column;height:100vh}
header{padding:.6rem 1rem;background:#1f2937;color:#fff;display:flex;justify-content:space-between}
#messages{flex:1;overflow-y:auto;list-style:none;margin:0;padding:1rem}
#messages li{padding:.25rem 0;white-space:pre-wrap;word-break:break-word}
#messages time{color:#6b7280;margin-right:.6rem;font-variant-numeric:tabular-nums}
form{display:flex;gap:.5rem;padding:.6rem 1rem;border-top:1px solid #ddd}
#text{flex:1;padding:.5rem;font-size:1rem}
#status.live{color:#86efac}#status.down{color:#fca5a5}
#notice{margin:0;padding:0 1rem .6rem;color:#b91c1c}
</style></head>
<body data-count="0">
<header><strong>pulsar chat</strong><span id="status" class="down">connecting…</span></header>
<ul id="messages"></ul>
<form id="form" autocomplete="off">
  <input id="text" maxlength="4096" placeholder="Say something and press Enter" autofocus>
  <button type="submit">Send</button>
</form>
<p id="notice" role="alert" hidden></p>
<script>
const list = document.getElementById("messages");
const status = document.getElementById("status");
const input = document.getElementById("text");
const notice = document.getElementById("notice");
let ws = null;
let delay = 500;
function show(frame) {
  const li = document.createElement("li");
  const time = document.createElement("time");
  const when = new Date(frame.time * 1000);
  time.dateTime = when.toISOString();
  time.textContent = when.toLocaleTimeString();
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = frame.message; // never innerHTML: a message is text, whatever it contains
  li.append(time, text);
  list.append(li);
  list.scrollTop = list.scrollHeight;
  document.body.dataset.count = String(list.children.length);
}
function notify(text) {
  notice.textContent = text;
  notice.hidden = !text;
}
function setStatus(text, live) {
  status.textContent = text;
  status.className = live ? "live" : "down";
  document.body.dataset.live = live ? "1" : "0";
}
function connect() {
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/message");
  ws.onopen = () => {
    delay = 500;
    setStatus("connected", true);
  };
  ws.onmessage = (e) => {
    try {
      const frame = JSON.parse(e.data);
      if (frame.error) notify(frame.message);
      else show(frame);
    } catch {}
  };
  ws.onclose = (e) => {
    if (e.code === 1009) notify("not delivered: " + e.reason);
    setStatus("reconnecting…", false);
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 5000);
  };
}
document.getElementById("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || !ws || ws.readyState !== WebSocket.OPEN) return;
  notify("");
  ws.send(text);
  input.value = "";
});
connect();
</script>
</body></html>`;
