/** Renders the `info` tree as a table for `pulsar info`. */

type Node = Record<string, unknown>;

const COLUMNS = ["NAME", "AID", "STATE", "PID", "UPTIME", "MEMORY", "REQUESTS", "CONNS"] as const;

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
