// Sequences admitted together and prefilled in column chunks: prompts are right aligned (left padded
// to the longest pending prompt) so every row's last prompt token lands in the final chunk's last column.
// A resumed (preempted) sequence's "prompt" is its prompt plus the tokens it generated.
import { KvCache } from "../model/kv-cache.ts";
import type { Sequence } from "./sequence.ts";

export interface PrefillChunk {
  /** Token ids [rows, columns] row-major; padding slots hold id 0 (masked). */
  tokenIds: Int32Array;
  /** uint8 [rows, columns]: 1 = real prompt token. */
  tokenMask: Uint8Array;
  columns: number;
  /** Whether this chunk ends every row's prompt (its last column is sampled). */
  final: boolean;
}

export class PrefillGroup {
  constructor(
    public sequences: Sequence[],
    /** KV of the prompt columns fed so far: [rows, kvHeads, fed columns, headDim]. */
    public cache: KvCache,
  ) {}

  get rows(): number {
    return this.sequences.length;
  }

  /** Columns still to feed: the longest pending prompt. */
  get pendingColumns(): number {
    return this.sequences.reduce((m, s) => Math.max(m, s.pendingPromptTokens), 0);
  }

  /**
   * The next ≤ maxColumns columns. Column j of the chunk is `width - j` tokens from the end; a row
   * with fewer pending tokens than that is padding there, so rows start late and all end together.
   */
  nextChunk(maxColumns: number): PrefillChunk {
    const width = this.pendingColumns;
    const columns = Math.min(Math.max(1, maxColumns), width);
    const tokenIds = new Int32Array(this.rows * columns);
    const tokenMask = new Uint8Array(this.rows * columns);
    this.sequences.forEach((sequence, r) => {
      const prompt = sequence.prefillIds;
      for (let j = 0; j < columns; j++) {
        const fromEnd = width - j;
        if (sequence.pendingPromptTokens < fromEnd) continue;
        tokenIds[r * columns + j] = prompt[prompt.length - fromEnd];
        tokenMask[r * columns + j] = 1;
      }
    });
    return { tokenIds, tokenMask, columns, final: columns === width };
  }

  /** Records a fed chunk: `present` is the pass's cache output for these rows. */
  commit(present: KvCache, chunk: PrefillChunk): void {
    const remaining = this.pendingColumns - chunk.columns;
    for (const sequence of this.sequences) {
      sequence.pendingPromptTokens = Math.min(sequence.pendingPromptTokens, remaining);
    }
    this.cache = present;
  }

  /** Drops canceled rows (re-packing the cache); false when none are left. */
  dropFinished(): boolean {
    const alive = this.sequences.filter((s) => s.state !== "finished");
    if (alive.length === this.sequences.length) return alive.length > 0;
    const picks = this.sequences.flatMap((s, row) => (s.state === "finished" ? [] : [{ cache: this.cache, row }]));
    this.cache = KvCache.gather(this.cache.shape, picks);
    this.sequences = alive;
    return alive.length > 0;
  }
}
