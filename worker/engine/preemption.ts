// Preemption in recompute mode: when the most urgent waiting sequence does not fit (max batch or KV
// budget) and running sequences of strictly lower effective priority exist, they go back to waiting
// (lowest priority, most recently admitted first) until it fits. Their KV is dropped by the caller.
// A prefill group in flight yields as a whole to a strictly more urgent sequence.
import type { AdmissionPolicy } from "./admission-policy.ts";
import type { Scheduler } from "./scheduler.ts";
import type { Sequence } from "./sequence.ts";

/** Returns the preempted sequences (already re-queued); none when the head fits or nothing may yield. */
export function preemptFor(scheduler: Scheduler, policy: AdmissionPolicy, running: readonly Sequence[], nowMs: number): Sequence[] {
  const head = scheduler.head(nowMs);
  if (!head) return [];
  let admitted = running.filter((s) => s.state === "running");
  if (scheduler.fits(head, admitted)) return [];
  // Plan first, so nothing is preempted unless the head then fits.
  const planned: Sequence[] = [];
  while (!scheduler.fits(head, admitted)) {
    const victim = policy.victimFor(head, admitted, nowMs);
    if (!victim) return [];
    planned.push(victim);
    admitted = admitted.filter((s) => s !== victim);
  }
  for (const victim of planned) {
    victim.preempt(nowMs);
    scheduler.enqueue(victim);
  }
  return planned;
}

/**
 * Whether a prefill group in flight should yield to the most urgent waiting sequence: when that one
 * is strictly more urgent than every row of the group. A group can take many steps (a resumed
 * sequence re-feeds its whole history), and nothing is admitted while one is in flight.
 */
export function groupYields(scheduler: Scheduler, policy: AdmissionPolicy, group: readonly Sequence[], nowMs: number): boolean {
  const head = scheduler.head(nowMs);
  if (!head) return false;
  const need = policy.level(head, nowMs);
  return group.every((s) => policy.level(s, nowMs) > need);
}
