/** The graph page: it draws the points its websocket streams; every tab shows the same series. */
export const GRAPH_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pulsar random graph</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}canvas{border:1px solid #ccc}</style>
</head><body data-last="-1" data-points="0">
<h1>A random walk, live</h1>
<p>last point: <span id="last">–</span> — <span id="status">connecting</span></p>
<canvas id="graph" width="800" height="300"></canvas>
<script>
const canvas = document.getElementById("graph");
const ctx = canvas.getContext("2d");
const points = [];
function draw() {
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!points.length) return;
  const ys = points.map((p) => p[1]);
  const lo = Math.min(...ys), hi = Math.max(...ys), span = hi - lo || 1;
  ctx.strokeStyle = "#1f77b4";
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach(([, y], i) => {
    const px = (i / 499) * canvas.width;
    const py = canvas.height - ((y - lo) / span) * (canvas.height - 10) - 5;
    i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
  });
  ctx.stroke();
}
function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/data");
  ws.onopen = () => (document.getElementById("status").textContent = "live");
  ws.onmessage = (e) => {
    for (const p of JSON.parse(e.data)) {
      if (points.length && p[0] <= points[points.length - 1][0]) continue;
      points.push(p);
    }
    points.splice(0, Math.max(0, points.length - 500));
    const last = points[points.length - 1];
    document.getElementById("last").textContent = last ? last[0] + ": " + last[1].toFixed(3) : "–";
    document.body.dataset.last = last ? String(last[0]) : "-1";
    document.body.dataset.points = String(points.length);
    document.body.dataset.series = JSON.stringify(points.slice(-20));
    draw();
  };
  ws.onclose = () => {
    document.getElementById("status").textContent = "reconnecting";
    setTimeout(connect, 1000);
  };
}
connect();
</script>
</body></html>`;
