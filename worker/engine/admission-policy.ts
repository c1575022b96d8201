// Who runs first and who yields: effective priority (base priority improved by time spent waiting,
// so nothing starves), earliest queue deadline within a level, then arrival; and the preemption
// victim rule (lowest effective priority, most recently admitted).
import { agedPriority } from "../../shared/jobs.ts";
import type { Sequence } from "./sequence.ts";

export interface AdmissionPolicyOptions {
  /**
   * Waiting this long raises a sequence one priority level (GENQ_PRIORITY_AGING_SECONDS × 1000);
   * 0 turns aging off. Only time spent waiting counts (in the queue, or preempted), never running.
   */
  priorityAgingMs: number;
}

/**
 * Effective level: base priority (0 most urgent) minus one per aging period waited, never below 0.
 * Whole levels, so "earliest deadline first within one priority" stays meaningful.
 */
export function effectiveLevel(sequence: Sequence, nowMs: number, agingMs: number): number {
  return agedPriority(sequence.request.priority, sequence.waitedMs(nowMs), agingMs);
}

export class AdmissionPolicy {
  constructor(private readonly options: AdmissionPolicyOptions) {}

  level(sequence: Sequence, nowMs: number): number {
    return effectiveLevel(sequence, nowMs, this.options.priorityAgingMs);
  }

  /** Sorts waiting sequences, most urgent first: level, then earliest queue deadline, then arrival. */
  order(waiting: Sequence[], nowMs: number): Sequence[] {
    const keyed = waiting.map((sequence) => ({
      sequence,
      level: this.level(sequence, nowMs),
      deadline: sequence.request.queueDeadlineMs ?? Number.POSITIVE_INFINITY,
    }));
    keyed.sort((a, b) => a.level - b.level || a.deadline - b.deadline || a.sequence.arrival - b.sequence.arrival);
    return keyed.map((k) => k.sequence);
  }

  /**
   * The running sequence to preempt for `candidate`, or null: only one of strictly lower effective
   * priority (equal levels never preempt each other, so two jobs cannot take turns evicting each
   * other); among those the lowest level, then the most recently admitted (least work lost).
   */
  victimFor(candidate: Sequence, running: readonly Sequence[], nowMs: number): Sequence | null {
    const need = this.level(candidate, nowMs);
    let victim: Sequence | null = null;
    let victimLevel = need;
    for (const sequence of running) {
      const level = this.level(sequence, nowMs);
      if (level <= need) continue;
      if (!victim || level > victimLevel || (level === victimLevel && sequence.admission > victim.admission)) {
        victim = sequence;
        victimLevel = level;
      }
    }
    return victim;
  }
}
