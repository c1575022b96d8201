// One compiled response format for one vocabulary: its matcher and the token masks of the states
// sequences reach, computed by walking the token trie with the matcher and cached (LRU, bounded bytes)
// so every sequence with the same schema shares them.
import type { GrammarNode } from "../../shared/structured-output/schema-grammar.ts";
import { JsonGrammarMatcher, type MatchState } from "./json-grammar-matcher.ts";
import { prepareGrammar } from "./json-grammar-nodes.ts";
import type { TokenVocabulary, TrieNode } from "./token-vocabulary.ts";

/** The tokens allowed in one matcher state, and how each changes the bytes needed to close the JSON. */
export interface MaskEntry {
  /** Bitset over token ids [ceil(vocab / 32)]: bit set = allowed (EOS only where the JSON may end). */
  mask: Uint32Array;
  /** Fewest bytes that close the JSON from this state. */
  baseClose: number;
  /** Allowed tokens after which closing needs other than baseClose bytes, and how many. */
  changedIds: Int32Array;
  changedClose: Float64Array;
  /** Largest close cost after any allowed token. */
  maxClose: number;
  allowedCount: number;
}

const MAX_CACHE_BYTES = 64 * 1024 * 1024;

export class JsonGrammarMasks {
  readonly matcher: JsonGrammarMatcher;
  private readonly cache = new Map<string, MaskEntry>();
  private cachedBytes = 0;
  /** Masks computed (cache misses) and served, for benchmarks. */
  misses = 0;
  hits = 0;

  constructor(
    grammar: GrammarNode,
    readonly vocabulary: TokenVocabulary,
    readonly eosIds: readonly number[],
  ) {
    this.matcher = new JsonGrammarMatcher(prepareGrammar(grammar), vocabulary.maxTokenBytes + 1);
  }

  entry(state: MatchState): MaskEntry {
    const key = this.matcher.key(state);
    const cached = this.cache.get(key);
    if (cached) {
      this.hits++;
      // Re-insert: Map order is the LRU order.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    this.misses++;
    const entry = this.compute(state);
    const bytes = entry.mask.byteLength + entry.changedIds.byteLength + entry.changedClose.byteLength + key.length * 2;
    this.cache.set(key, entry);
    this.cachedBytes += bytes;
    while (this.cachedBytes > MAX_CACHE_BYTES && this.cache.size > 1) {
      const [oldKey, old] = this.cache.entries().next().value!;
      this.cache.delete(oldKey);
      this.cachedBytes -= old.mask.byteLength + old.changedIds.byteLength + old.changedClose.byteLength + oldKey.length * 2;
    }
    return entry;
  }

  private compute(state: MatchState): MaskEntry {
    const { matcher, vocabulary } = this;
    const mask = new Uint32Array((vocabulary.vocabSize + 31) >>> 5);
    const baseClose = matcher.minClose(state);
    const changedIds: number[] = [];
    const changedClose: number[] = [];
    let allowedCount = 0;
    const allow = (id: number, close: number) => {
      mask[id >>> 5] |= 1 << (id & 31);
      allowedCount++;
      if (close !== baseClose) {
        changedIds.push(id);
        changedClose.push(close);
      }
    };
    // Inside a string without a pattern every plain token that fits is allowed and leaves the close
    // cost as it is: take them from the per-vocabulary bitset and walk only the trie nodes above the
    // other tokens (a plain token that does not fit is left out of both).
    const room = this.plainStringRoom(state);
    const plain = room >= 0;
    if (plain) {
      const tokens = vocabulary.plainStringTokens(room);
      mask.set(tokens.mask);
      allowedCount += tokens.count;
    }
    // Depth-first over the trie: a byte prefix shared by many tokens is matched once, and a dead
    // prefix prunes every token below it.
    const visit = (node: TrieNode, at: MatchState) => {
      for (const [byte, child] of node.children) {
        if (plain && !child.mixed) continue;
        const next = matcher.advance(at, byte);
        if (next.length === 0) continue;
        if (child.ids.length > 0 && !(plain && child.plainText)) {
          const close = matcher.isDone(next) ? 0 : matcher.minClose(next);
          for (const id of child.ids) allow(id, close);
        }
        if (child.children.size > 0) visit(child, next);
      }
    };
    visit(vocabulary.root, state);
    if (matcher.canEnd(state)) for (const id of this.eosIds) if (id < vocabulary.vocabSize) allow(id, 0);
    let maxClose = baseClose;
    for (const close of changedClose) if (close > maxClose) maxClose = close;
    return { mask, baseClose, changedIds: Int32Array.from(changedIds), changedClose: Float64Array.from(changedClose), maxClose, allowedCount };
  }

  /**
   * One thread, between characters of a string without a pattern and past its minLength: any plain
   * token of at most the characters left is allowed there and keeps the close cost
   * (plain-string-tokens.ts). Returns those characters, or -1 when the state is not such a string.
   */
  private plainStringRoom(state: MatchState): number {
    if (state.length !== 1) return -1;
    const f = state[0];
    if (f.k !== "str" || f.esc !== 0 || f.utf8 !== 0 || f.node.dfa !== null || f.count < f.node.minChars) return -1;
    return f.node.maxChars === null ? this.vocabulary.maxTokenBytes : f.node.maxChars - f.count;
  }
}
