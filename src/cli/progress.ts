import { formatBytes as bytes } from "../model/format-bytes.js";
import type { ReadProgress } from "../sources/types.js";

/**
 * Read progress for --json/--report/--ci as one line on stderr, redrawn in place, only when stderr
 * is a terminal (stdout stays clean); `done()` erases it. Several layers may download at once.
 */
export function stderrProgress(stderr: NodeJS.WriteStream, layerCount: () => number | null) {
  if (stderr.isTTY !== true) return { onProgress: undefined, done: () => {} };
  const layers = new Map<number, { read: number; total: number | null; startedAt: number; at: number }>();
  let last = 0;
  let shown = false;
  const draw = () => {
    const active = [...layers.entries()].filter(([, p]) => p.total === null || p.read < p.total);
    const read = [...layers.values()].reduce((n, p) => n + p.read, 0);
    const total = [...layers.values()].reduce((n, p) => n + (p.total ?? 0), 0);
    const rate = active.reduce(
      (n, [, p]) => n + (p.at > p.startedAt ? (p.read * 1000) / (p.at - p.startedAt) : 0),
      0,
    );
    const count = layerCount();
    const doneCount = layers.size - active.length;
    const which =
      active.length > 0 ? `layer${active.length > 1 ? "s" : ""} ${active.map(([i]) => i).join(", ")}` : "";
    const line =
      `layerview: ${doneCount}${count !== null ? ` of ${count}` : ""} layers read` +
      `${which ? ` · reading ${which}` : ""} · ${bytes(read)}${total > 0 ? ` of ${bytes(total)}` : ""}` +
      `${rate > 0 ? ` · ${bytes(rate)}/s` : ""}`;
    const width = (stderr.columns ?? 80) - 1;
    stderr.write(`\r\x1b[2K${line.length > width ? line.slice(0, width) : line}`);
    shown = true;
  };
  return {
    onProgress: (p: ReadProgress) => {
      if (p.layer < 0) return;
      const now = Date.now();
      const before = layers.get(p.layer);
      layers.set(p.layer, {
        read: p.bytesRead,
        total: p.totalBytes,
        startedAt: before?.startedAt ?? now,
        at: now,
      });
      if (now - last < 100) return;
      last = now;
      draw();
    },
    done: () => {
      if (shown) stderr.write("\r\x1b[2K");
      shown = false;
    },
  };
}
