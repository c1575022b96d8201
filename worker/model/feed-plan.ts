// Where a pass's new tokens go, per attention style: the ids, attention mask and positions to feed,
// the mask of the cache the pass returns, and which column holds each row's last new token.
// "end": rows right aligned (left padding), as graphs with an external mask take them.
// "start": rows from column 0 (right padding), as GroupQueryAttention's per-row lengths require.
import type { KvCache } from "./kv-cache.ts";

export interface FeedPlan {
  /** Token ids [R, S] (padding slots hold 0: any valid id, never attended). */
  ids: Int32Array;
  /** uint8 [R, P + S]: the attention_mask to feed. */
  mask: Uint8Array;
  /** Position ids [R, S]: a token's position is the count of real tokens before it. */
  positions: Int32Array;
  /** uint8 [R, P + S]: which columns of the returned cache hold real tokens. */
  presentMask: Uint8Array;
  /** Per row, the chunk column of its last real token (S - 1 when right aligned). */
  lastColumns: Int32Array;
}

/** Rows keep their padding where it is: past mask then the chunk's mask (holes allowed). */
export function endAlignedPlan(past: KvCache, tokenIds: ArrayLike<number>, tokenMask: Uint8Array, columns: number): FeedPlan {
  const rows = past.rows;
  const total = past.columns + columns;
  const ids = Int32Array.from(tokenIds);
  const positions = new Int32Array(rows * columns);
  const mask = new Uint8Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let position = past.realTokens(r);
    mask.set(past.mask.subarray(r * past.columns, (r + 1) * past.columns), r * total);
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      const real = tokenMask[i];
      mask[r * total + past.columns + c] = real;
      positions[i] = real ? position++ : 1; // padding: any in-range value (masked); 1 as in HF
    }
  }
  return { ids, mask, positions, presentMask: mask, lastColumns: new Int32Array(rows).fill(columns - 1) };
}

/**
 * Each row's real chunk tokens are moved to the front of the chunk, right after the row's cached
 * tokens (which start at column 0); the mask is 1 for exactly the row's length, so mask sum - 1 is
 * GroupQueryAttention's seqlens_k and the mask width its total_sequence_length.
 */
export function startAlignedPlan(past: KvCache, tokenIds: ArrayLike<number>, tokenMask: Uint8Array, columns: number): FeedPlan {
  const rows = past.rows;
  const total = past.columns + columns;
  const ids = new Int32Array(rows * columns);
  const positions = new Int32Array(rows * columns).fill(1);
  const mask = new Uint8Array(rows * total);
  const lastColumns = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const cached = past.span(r);
    let fresh = 0;
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      if (!tokenMask[i]) continue;
      ids[r * columns + fresh] = tokenIds[i];
      positions[r * columns + fresh] = cached + fresh;
      fresh++;
    }
    mask.fill(1, r * total, r * total + cached + fresh);
    lastColumns[r] = Math.max(0, fresh - 1);
  }
  return { ids, mask, positions, presentMask: mask, lastColumns };
}
