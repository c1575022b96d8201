// Waiting queue and admission: in the admission policy's order (effective priority, deadline,
// arrival), bounded by maxBatch sequences and maxKvTokens slots of the rectangular KV cache.
import type { AdmissionPolicy } from "./admission-policy.ts";
import type { Sequence } from "./sequence.ts";

/**
 * Prompt tokens a candidate would still compute if it joined `group` (after prefix-cache hits), or
 * null to hold it back (and everything behind it) until the next admission.
 */
export type PendingPromptTokens = (candidate: Sequence, group: readonly Sequence[]) => number | null;

export interface SchedulerLimits {
  /** Most sequences admitted at once (running + prefilling). */
  maxBatch: number;
  /** Most KV slots (rows × columns, padding included) the admitted sequences may grow to. */
  maxKvTokens: number;
}

/**
 * KV policy: the cache is one left-padded rectangle, so its slots are rows × the longest row span,
 * and a row's span never exceeds prompt + max_tokens. Admitting while
 *   admitted × max(prompt + max_tokens) ≤ maxKvTokens
 * therefore bounds the memory actually allocated, padding included, at every step.
 */
export class Scheduler {
  private waiting: Sequence[] = [];

  constructor(
    private readonly limits: SchedulerLimits,
    private readonly policy: AdmissionPolicy,
  ) {}

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Order is decided at admission time (effective priority changes while sequences wait). */
  enqueue(sequence: Sequence): void {
    this.waiting.push(sequence);
  }

  /** The most urgent waiting sequence now, or undefined. */
  head(nowMs: number): Sequence | undefined {
    this.waiting = this.policy.order(this.waiting, nowMs);
    return this.waiting[0];
  }

  /** Whether `candidate` could join the admitted sequences now (batch and KV limits). */
  fits(candidate: Sequence, admitted: readonly Sequence[]): boolean {
    if (admitted.length + 1 > this.limits.maxBatch) return false;
    const widest = admitted.reduce((m, s) => Math.max(m, s.reservedTokens), candidate.reservedTokens);
    return (admitted.length + 1) * widest <= this.limits.maxKvTokens;
  }

  remove(id: string): Sequence | undefined {
    const at = this.waiting.findIndex((s) => s.id === id);
    return at === -1 ? undefined : this.waiting.splice(at, 1)[0];
  }

  /**
   * Takes the next group to prefill together, strictly in policy order (no overtaking): stops at the
   * first sequence that would break the batch or KV limit, lengthen the prefill of more urgent rows,
   * make the group's left padding exceed its real tokens (padded slots ≤ 2 × real tokens keeps
   * padded prefill work under 2×), or exceed maxGroupRows (a model that must run one row per pass).
   * Prompt lengths are the tokens still to compute (`pendingOf`, default: what is still to feed: the
   * prompt, or after a preemption prompt + generated tokens); with prefix caching the engine passes a
   * tighter `maxPaddedToReal`, because what is left of prompts behind a cached prefix is short and
   * varied, and every padded slot costs as much as a real token.
   */
  admit(
    admitted: readonly Sequence[],
    nowMs: number,
    pendingOf: PendingPromptTokens = (s) => s.pendingPromptTokens,
    maxPaddedToReal = 2,
    maxGroupRows = Infinity,
  ): Sequence[] {
    // An exclusive sequence (a crash suspect) runs alone: nothing joins it, and it waits (at the
    // head, so nothing overtakes it) until the running batch has drained.
    if (admitted.some((s) => s.request.exclusive)) return [];
    const head = this.waiting[0];
    if (head?.request.exclusive) return admitted.length === 0 ? this.waiting.splice(0, 1) : [];
    this.waiting = this.policy.order(this.waiting, nowMs);
    const group: Sequence[] = [];
    let count = admitted.length;
    let widest = admitted.reduce((m, s) => Math.max(m, s.reservedTokens), 0);
    let longestPrompt = 0;
    let realPromptTokens = 0;
    for (const candidate of this.waiting) {
      if (candidate.request.exclusive) break;
      if (count + 1 > this.limits.maxBatch || group.length + 1 > maxGroupRows) break;
      const nextWidest = Math.max(widest, candidate.reservedTokens);
      if ((count + 1) * nextWidest > this.limits.maxKvTokens) break;
      // A preempted sequence re-feeds its prompt and generated tokens (pendingPromptTokens).
      const pending = pendingOf(candidate, group);
      if (pending === null) break;
      const nextLongest = Math.max(longestPrompt, pending);
      const nextReal = realPromptTokens + pending;
      if (group.length > 0 && (group.length + 1) * nextLongest > maxPaddedToReal * nextReal) break;
      // A less urgent sequence may share the group's passes but never lengthen its prefill (that
      // would delay the urgent rows' first tokens).
      if (group.length > 0 && nextLongest > longestPrompt && this.policy.level(candidate, nowMs) > this.policy.level(group[0], nowMs)) break;
      group.push(candidate);
      count++;
      widest = nextWidest;
      longestPrompt = nextLongest;
      realPromptTokens = nextReal;
    }
    this.waiting.splice(0, group.length);
    return group;
  }
}
