// Admission with the prefix cache: how many prompt tokens a waiting sequence must still compute, holding
// back one whose next uncached block the group being formed will compute anyway (it then reuses it), and
// the starting KV of an admitted group. Counts prompt and cache-hit tokens.
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
  private readonly keys = new WeakMap<Sequence, string[]>();

  constructor(readonly cache: PrefixCache) {}

  /**
   * Prompt tokens the candidate would compute if admitted into `group` now; null when a group member
   * will compute the candidate's first uncached block: it waits, and reuses that block next time.
   */
  pendingTokens(candidate: Sequence, group: readonly Sequence[]): number | null {
    const keys = this.keysOf(candidate);
    const match = this.cache.match(candidate.request.promptIds, keys);
    const next = match.blocks.length;
    if (next < keys.length && group.some((member) => this.keysOf(member)[next] === keys[next])) return null;
    return candidate.promptTokens - match.tokens;
  }

  /**
   * Starting KV for a group about to prefill, or null when nothing is cached. Every row with a cached
   * prefix gets the same number of pending tokens (the group's longest pending prompt), using fewer
   * cached tokens where needed: rows stay contiguous (no hole between cached and computed KV), and
   * the recomputed tokens take columns that would otherwise be padding in the same passes.
   */
  startGroup(sequences: Sequence[]): KvCache | null {
    const matches = sequences.map((s) => this.cache.match(s.request.promptIds, this.keysOf(s)));
    const pending = Math.max(...sequences.map((s, r) => s.promptTokens - matches[r].tokens));
    const lengths = sequences.map((s) => Math.max(0, s.promptTokens - pending));
    sequences.forEach((s, r) => {
      s.pendingPromptTokens = s.promptTokens - lengths[r];
      this.counters.promptTokens += s.promptTokens;
      this.counters.prefixCacheHitTokens += lengths[r];
    });
    return lengths.some((n) => n > 0) ? this.cache.assemble(matches, lengths) : null;
  }

  /** After a group's prompts are fully fed: their complete blocks go into the cache. */
  storeGroup(sequences: Sequence[], cache: KvCache): void {
    sequences.forEach((s, row) => {
      if (s.state !== "finished") this.cache.insert(s.request.promptIds, cache, row);
    });
  }

  private keysOf(sequence: Sequence): string[] {
    let keys = this.keys.get(sequence);
    if (!keys) this.keys.set(sequence, (keys = PrefixCache.blockKeys(sequence.request.promptIds)));
    return keys;
  }
}
