// Preemption in recompute mode: when the most urgent waiting sequence does not fit (max batch or KV
// budget) and running sequences of strictly lower effective priority exist, they go back to waiting
// (lowest priority, most recently admitted first) until it fits. Their KV is dropped by the caller.
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
