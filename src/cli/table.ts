/** Renders the `info` tree as a table for `pulsar info`. */

type Node = Record<string, unknown>;

const COLUMNS = ["NAME", "AID", "STATE", "PID", "UPTIME", "MEMORY", "REQUESTS", "CONNS", "EXTRA"] as const;

/** `number=1 eaten=3`: what an app adds to its workers' info. */
function extra(n: Node): string {
  const e = n.extra as Record<string, unknown> | undefined;
  return e
    ? Object.entries(e)
        .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`)
        .join(" ")
    : "";
}

export function formatInfo(tree: Node): string {
  const rows: string[][] = [];
  const row = (indent: string, n: Node) =>
    rows.push([
      indent + String(n.name ?? ""),
      String(n.aid ?? ""),
      String(n.state ?? ""),
      String(n.pid ?? ""),
      n.uptime === undefined ? "" : `${Number(n.uptime).toFixed(1)}s`,
      typeof n.memory === "number" ? `${(n.memory / 2 ** 20).toFixed(1)} MB` : "",
      n.requests === undefined ? "" : String(n.requests),
      n.connections === undefined ? "" : String(n.connections),
      extra(n),
    ]);
  row("", tree);
  for (const m of (tree.monitors as Node[] | undefined) ?? []) {
    row("  ", { ...m, name: `${m.name} (monitor)` });
    for (const w of (m.workers as Node[] | undefined) ?? []) row("    ", w);
  }
  for (const a of (tree.actors as Node[] | undefined) ?? []) row("  ", a);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(COLUMNS), ...rows.map(line)].join("\n");
}
