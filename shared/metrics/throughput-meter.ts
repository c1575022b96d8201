// Recent job completions per second, counted from the row-change events every process already
// receives; feeds the long-poll Retry-After estimate without touching Redis or SQLite.
import type { JobChangedEvent } from "../jobs.ts";
import { isTerminalStatus } from "../store/schema/jobs.ts";

export class ThroughputMeter {
  private readonly buckets: number[];
  private headSecond = 0;

  /** `windowSeconds`: how far back the rate looks (default 60 s). */
  constructor(
    private readonly windowSeconds = 60,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new Array(windowSeconds).fill(0);
  }

  /** Feed every row-change event; terminal ones count. */
  observe(event: JobChangedEvent): void {
    if (!isTerminalStatus(event.status)) return;
    this.advance();
    this.buckets[this.headSecond % this.windowSeconds]++;
  }

  /** Completions per second over the window (0 when nothing finished lately). */
  completionsPerSecond(): number {
    this.advance();
    return this.buckets.reduce((a, b) => a + b, 0) / this.windowSeconds;
  }

  private advance(): void {
    const second = Math.floor(this.now() / 1000);
    if (this.headSecond === 0) this.headSecond = second;
    const steps = Math.min(second - this.headSecond, this.windowSeconds);
    for (let i = 1; i <= steps; i++) this.buckets[(this.headSecond + i) % this.windowSeconds] = 0;
    if (second > this.headSecond) this.headSecond = second;
  }
}
