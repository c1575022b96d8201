// Long-poll wake-ups where no Redis subscription can be held (the API on Workers: a connection
// lives only as long as its request and subscribers are not kept across requests): a waiter
// "wakes" every `pollMs`, so `?wait=N` re-reads the row from the store at that interval until
// it is terminal or N seconds pass. Cancel signals are still published on the Redis bus.
import type { JobChangedEvent } from "../jobs.ts";
import type { JobEventBus } from "./job-event-bus.ts";

export class PollingJobEvents {
  private waiting = 0;

  /** `bus`: publishes cancel signals (never started: no subscriber connection). */
  constructor(
    private readonly bus: JobEventBus,
    private readonly pollMs = 1_000,
  ) {}

  waitForChange(_id: string, timeoutMs: number): { changed: Promise<boolean>; dispose: () => void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settle: (changed: boolean) => void = () => {};
    this.waiting++;
    const changed = new Promise<boolean>((resolve) => {
      settle = resolve;
      // Always "maybe changed": the caller re-reads the row, and stops at its own deadline.
      timer = setTimeout(() => resolve(true), Math.max(0, Math.min(timeoutMs, this.pollMs)));
    });
    let disposed = false;
    return {
      changed,
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.waiting--;
        clearTimeout(timer);
        settle(false);
      },
    };
  }

  /** No subscription to listen on: change listeners never fire (the dashboard's feed falls back to its periodic refresh). */
  onChange(_listener: (event: JobChangedEvent) => void): () => void {
    return () => {};
  }

  publishCancel(id: string): Promise<void> {
    return this.bus.publishCancel(id);
  }

  get waiterCount(): number {
    return this.waiting;
  }
}
