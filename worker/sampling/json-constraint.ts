// The logits mask of one sequence with a response format: which token ids may come next (their bytes
// keep the text a valid prefix of the schema's JSON, and they leave enough of max_tokens to close it),
// and the matcher state advanced by each accepted token.
import type { JsonGrammarMasks } from "./json-grammar-masks.ts";
import type { MatchState } from "./json-grammar-matcher.ts";

/** What accepting a token did: the JSON goes on, is complete, or the token was EOS where it may end. */
export type ConstraintStep = "continue" | "done" | "eos";

export interface AllowedTokens {
  /** Bitset over token ids [ceil(vocab / 32)]: what may be sampled. */
  mask: Uint32Array;
  /** The grammar's mask before the length budget; `mask` unless the budget removed tokens. */
  grammarMask: Uint32Array;
}

export class JsonConstraint {
  private state: MatchState;

  constructor(private readonly masks: JsonGrammarMasks) {
    this.state = masks.matcher.initial();
  }

  /**
   * Tokens allowed next when at most `tokensAfter` tokens may follow this one. Within the budget,
   * only tokens after which the JSON can still be closed in time (one byte per token, as every
   * byte is a token in byte-level and byte-fallback vocabularies) are kept; when nothing fits,
   * the grammar's mask is kept and max_tokens ends the text incomplete.
   */
  allowed(tokensAfter: number): AllowedTokens {
    const entry = this.masks.entry(this.state);
    if (tokensAfter >= entry.maxClose) return { mask: entry.mask, grammarMask: entry.mask };
    const { changedIds, changedClose } = entry;
    let mask: Uint32Array;
    if (tokensAfter >= entry.baseClose) {
      mask = entry.mask.slice();
      for (let i = 0; i < changedIds.length; i++) {
        if (changedClose[i] > tokensAfter) mask[changedIds[i] >>> 5] &= ~(1 << (changedIds[i] & 31));
      }
    } else {
      mask = new Uint32Array(entry.mask.length);
      let any = false;
      for (let i = 0; i < changedIds.length; i++) {
        if (changedClose[i] <= tokensAfter) {
          mask[changedIds[i] >>> 5] |= 1 << (changedIds[i] & 31);
          any = true;
        }
      }
      if (!any) return { mask: entry.mask, grammarMask: entry.mask };
    }
    return { mask, grammarMask: entry.mask };
  }

  /** Advances past an allowed token. */
  accept(tokenId: number): ConstraintStep {
    const { matcher, vocabulary, eosIds } = this.masks;
    if (eosIds.includes(tokenId)) return "eos";
    const bytes = vocabulary.bytes[tokenId];
    if (!bytes) throw new Error(`token ${tokenId} writes no text and is not EOS: not allowed by the grammar`);
    let state = this.state;
    for (const byte of bytes) state = matcher.advance(state, byte);
    if (state.length === 0) throw new Error(`token ${tokenId} breaks the grammar`);
    this.state = state;
    return matcher.isDone(state) ? "done" : "continue";
  }
}

export function hasAllowed(mask: Uint32Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) return true;
  return false;
}

export function isAllowed(mask: Uint32Array, id: number): boolean {
  return (mask[id >>> 5] & (1 << (id & 31))) !== 0;
}
