// Waits (up to a deadline) until a job row is terminal, woken by row-change events from Redis;
// the store is re-read only when an event for this job arrives.
import type { AppDeps } from "../../app-deps.ts";
import { isTerminalStatus, type JobRow } from "../../../shared/store/schema/jobs.ts";

export async function awaitTerminal(deps: AppDeps, row: JobRow, timeoutMs: number, signal?: AbortSignal): Promise<JobRow> {
  const deadline = Date.now() + timeoutMs;
  const aborted = new Promise<boolean>((resolve) => signal?.addEventListener("abort", () => resolve(false), { once: true }));
  let current = row;
  while (!isTerminalStatus(current.status) && !signal?.aborted) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) break;
    // Register first, then re-read: a change between the two is never missed.
    const waiter = deps.events.waitForChange(current.id, remainingMs);
    current = (await deps.store.jobs.get(current.id)) ?? current;
    if (isTerminalStatus(current.status)) {
      waiter.dispose();
      break;
    }
    const changed = await Promise.race([waiter.changed, aborted]);
    waiter.dispose();
    if (!changed) break;
    current = (await deps.store.jobs.get(current.id)) ?? current;
  }
  return current;
}
