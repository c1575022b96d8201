// Progress of a batch for people watching it: a redrawn bar (lines done/total, failed, tokens/s,
// ETA) on a TTY, one plain line per change otherwise (logs, CI, pipes).
import type { Json } from "./genq-client.ts";

export class BatchProgress {
  private last = "";
  private readonly startedMs = Date.now();
  private firstTokens: { atMs: number; tokens: number } | null = null;

  constructor(private readonly out: NodeJS.WriteStream) {}

  show(batch: Json): void {
    const { total, completed, failed } = batch.request_counts as { total: number; completed: number; failed: number };
    const done = completed + failed;
    const tokens = Number(batch.usage?.output_tokens ?? 0);
    const nowMs = Date.now();
    this.firstTokens ??= { atMs: nowMs, tokens };
    const seconds = (nowMs - this.firstTokens.atMs) / 1000;
    const rate = seconds > 0 ? (tokens - this.firstTokens.tokens) / seconds : 0;
    const linesPerSecond = done / Math.max(0.001, (nowMs - this.startedMs) / 1000);
    const eta = total > done && linesPerSecond > 0 ? formatSeconds((total - done) / linesPerSecond) : "-";
    const stats = `${done}/${total} done, ${failed} failed, ${rate.toFixed(1)} tokens/s, ETA ${eta}`;
    if (this.out.isTTY) {
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      this.out.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${batch.status} ${stats}\x1b[K`);
      return;
    }
    const line = `${batch.status} ${done}/${total} done, ${failed} failed`;
    if (line !== this.last) this.out.write(`${new Date().toISOString()} ${line}, ${rate.toFixed(1)} tokens/s, ETA ${eta}\n`);
    this.last = line;
  }

  end(): void {
    if (this.out.isTTY) this.out.write("\n");
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
