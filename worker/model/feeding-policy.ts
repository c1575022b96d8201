// What shapes of forward pass a loaded graph takes correctly. Starts from the attention style; the
// load-time self-check (batch-self-check.ts) may narrow it further when batched output differs from alone.
import type { AttentionStyle } from "./model-signature.ts";

export interface FeedingPolicy {
  /**
   * Most rows a multi-token pass on a non-empty cache (a prefill chunk after the first) may have:
   * Infinity; 1 (GroupQueryAttention rejects more); 0 (an in-graph mask cannot take it at all). A group
   * over the limit is prefilled in one pass.
   */
  chunkOnCacheRows: number;
  /** Most rows per forward pass: Infinity, or 1 in the safest mode (nothing batched). */
  maxRowsPerPass: number;
  /** How the policy was reached, for the load log line. */
  reason: string;
}

export function feedingPolicyFor(style: AttentionStyle): FeedingPolicy {
  switch (style) {
    case "external-mask":
      return { chunkOnCacheRows: Infinity, maxRowsPerPass: Infinity, reason: "external attention mask" };
    case "gqa":
      return { chunkOnCacheRows: 1, maxRowsPerPass: Infinity, reason: "GroupQueryAttention: chunked prefill one row at a time" };
    case "in-graph-mask":
      return { chunkOnCacheRows: 0, maxRowsPerPass: Infinity, reason: "in-graph attention mask: prefill in one pass" };
  }
}
