// Admission with the prefix cache: how many prompt tokens a waiting sequence must still compute, holding
// back one whose next uncached block the group being formed will compute anyway (it then reuses it), and
// the starting KV of an admitted group. Counts prompt and cache-hit tokens.
// A preempted sequence re-feeds its prompt and the tokens it generated (`prefillIds`): it is matched
// and stored on those ids, so a readmission may reuse its own earlier blocks (the KV of a block is a
// function of the ids up to it, whoever computed it), and its pending tokens always end at its last id.
import type { KvCache } from "../model/kv-cache.ts";
import { PrefixCache } from "./prefix-cache.ts";
import type { Sequence } from "./sequence.ts";

export interface PrefixCounters {
  /** Prompt tokens of every admitted sequence. */
  promptTokens: number;
  /** Prompt tokens whose KV came from the prefix cache. */
  prefixCacheHitTokens: number;
}

export class PrefixAdmission {
  readonly counters: PrefixCounters = { promptTokens: 0, prefixCacheHitTokens: 0 };
  private readonly keys = new WeakMap<Sequence, { length: number; keys: string[] }>();

  constructor(readonly cache: PrefixCache) {}

  /**
   * Prompt tokens the candidate would compute if admitted into `group` now; null when a group member
   * will compute the candidate's first uncached block: it waits, and reuses that block next time.
   */
  pendingTokens(candidate: Sequence, group: readonly Sequence[]): number | null {
    const keys = this.keysOf(candidate);
    const match = this.cache.match(candidate.prefillIds, keys);
    const next = match.blocks.length;
    if (next < keys.length && group.some((member) => this.keysOf(member)[next] === keys[next])) return null;
    return candidate.prefillIds.length - match.tokens;
  }

  /**
   * Starting KV for a group about to prefill, or null when nothing is cached. Every row with a cached
   * prefix gets the same number of pending tokens (the group's longest pending prompt), using fewer
   * cached tokens where needed: rows stay contiguous (no hole between cached and computed KV), and
   * the recomputed tokens take columns that would otherwise be padding in the same passes.
   */
  startGroup(sequences: Sequence[]): KvCache | null {
    // Fed ids: the prompt, or for a resumed sequence prompt + generated tokens.
    const fed = sequences.map((s) => s.prefillIds.length);
    const matches = sequences.map((s) => this.cache.match(s.prefillIds, this.keysOf(s)));
    const pending = Math.max(...sequences.map((_, r) => fed[r] - matches[r].tokens));
    const lengths = sequences.map((_, r) => Math.max(0, fed[r] - pending));
    sequences.forEach((s, r) => {
      s.pendingPromptTokens = fed[r] - lengths[r];
      this.counters.promptTokens += fed[r];
      this.counters.prefixCacheHitTokens += lengths[r];
    });
    return lengths.some((n) => n > 0) ? this.cache.assemble(matches, lengths) : null;
  }

  /**
   * After a group's prompts are fully fed (before their next token is sampled): their complete blocks
   * go into the cache. The row holds exactly the fed ids as its last columns.
   */
  storeGroup(sequences: Sequence[], cache: KvCache): void {
    sequences.forEach((s, row) => {
      if (s.state !== "finished") this.cache.insert(s.prefillIds, cache, row);
    });
  }

  /** Block keys of the ids the sequence feeds now (recomputed after it generated more and was preempted). */
  private keysOf(sequence: Sequence): string[] {
    const ids = sequence.prefillIds;
    let entry = this.keys.get(sequence);
    if (!entry || entry.length !== ids.length) this.keys.set(sequence, (entry = { length: ids.length, keys: PrefixCache.blockKeys(ids) }));
    return entry.keys;
  }
}
