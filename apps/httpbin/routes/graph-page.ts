/** The page that draws /graph-data live: it asks for points every 200 ms and plots the last 500. */
export const GRAPH_PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>pulsar graph</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}canvas{border:1px solid #ccc}</style>
</head><body>
<h1>Live data over a websocket</h1>
<p>points received: <span id="count">0</span> — <span id="status">connecting</span></p>
<canvas id="graph" width="800" height="300"></canvas>
<script>
const canvas = document.getElementById("graph");
const ctx = canvas.getContext("2d");
const points = [];
let received = 0;
function draw() {
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = "#1f77b4";
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach(([, y], i) => {
    const px = (i / 500) * canvas.width;
    const py = canvas.height - y * canvas.height;
    i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
  });
  ctx.stroke();
}
function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graph-data");
  let timer;
  ws.onopen = () => {
    document.getElementById("status").textContent = "live";
    ws.send("more");
    timer = setInterval(() => ws.send("more"), 200);
  };
  ws.onmessage = (e) => {
    const batch = JSON.parse(e.data);
    points.push(...batch);
    points.splice(0, Math.max(0, points.length - 500));
    received += batch.length;
    document.getElementById("count").textContent = String(received);
    document.body.dataset.points = String(received);
    draw();
  };
  ws.onclose = () => {
    clearInterval(timer);
    document.getElementById("status").textContent = "reconnecting";
    setTimeout(connect, 1000);
  };
}
connect();
</script>
</body></html>`;
