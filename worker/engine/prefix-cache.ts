// Prompt-prefix KV cache of one model (vLLM-style automatic prefix caching): blocks of BLOCK_TOKENS
// prompt tokens keyed by a hash chained over every token before them, holding each block's KV
// [kvHeads, BLOCK_TOKENS, headDim] per layer; LRU eviction within a token budget.
import { KvCache } from "../model/kv-cache.ts";
import type { KvShape } from "../model/model-signature.ts";

export const BLOCK_TOKENS = 16;

type KvData = Float32Array | Uint16Array;

interface PrefixBlock {
  key: string;
  parent: PrefixBlock | null;
  /** The block's token ids, compared on lookup: a hash collision can never serve wrong KV. */
  tokens: Int32Array;
  /** 2 × layers arrays in graph order, each [kvHeads, BLOCK_TOKENS, headDim]; positions are absolute from 0. */
  data: KvData[];
}

/** A cached prefix of one prompt: its blocks in order (use the first `tokens` positions). */
export interface PrefixMatch {
  blocks: PrefixBlock[];
  tokens: number;
}

export class PrefixCache {
  /** Map order is the LRU order (least recent first). */
  private readonly blocks = new Map<string, PrefixBlock>();
  private readonly maxBlocks: number;

  constructor(
    private readonly shape: KvShape,
    budgetTokens: number,
  ) {
    this.maxBlocks = Math.floor(budgetTokens / BLOCK_TOKENS);
  }

  get enabled(): boolean {
    return this.maxBlocks > 0;
  }

  get cachedTokens(): number {
    return this.blocks.size * BLOCK_TOKENS;
  }

  /** Chained block keys of the prompt's complete blocks. */
  static blockKeys(promptIds: ArrayLike<number>): string[] {
    const keys: string[] = [];
    let hash = "";
    for (let start = 0; start + BLOCK_TOKENS <= promptIds.length; start += BLOCK_TOKENS) {
      hash = chainHash(hash, promptIds, start);
      keys.push(hash);
    }
    return keys;
  }

  /** The longest cached prefix, capped at prompt - 1 (the last token is always fed: its logits are needed). */
  match(promptIds: ArrayLike<number>, keys = PrefixCache.blockKeys(promptIds)): PrefixMatch {
    const found: PrefixBlock[] = [];
    for (const key of keys) {
      const block = this.blocks.get(key);
      if (!block || block.parent !== (found.at(-1) ?? null) || !sameTokens(block.tokens, promptIds, found.length * BLOCK_TOKENS)) break;
      found.push(block);
    }
    this.touch(found);
    return { blocks: found, tokens: Math.min(found.length * BLOCK_TOKENS, promptIds.length - 1) };
  }

  /**
   * Stores the complete blocks of a prompt from a cache row that holds the prompt as its last
   * `promptIds.length` columns (left padded, no holes). Blocks already cached are only touched.
   */
  insert(promptIds: ArrayLike<number>, cache: KvCache, row: number): void {
    if (!this.enabled) return;
    const keys = PrefixCache.blockKeys(promptIds);
    const start = cache.columns - promptIds.length;
    const chain: PrefixBlock[] = [];
    for (let b = 0; b < keys.length; b++) {
      let block = this.blocks.get(keys[b]);
      if (!block || block.parent !== (chain.at(-1) ?? null)) {
        block = { key: keys[b], parent: chain.at(-1) ?? null, tokens: Int32Array.from({ length: BLOCK_TOKENS }, (_, i) => promptIds[b * BLOCK_TOKENS + i]), data: this.copyOut(cache, row, start + b * BLOCK_TOKENS) };
        this.blocks.set(block.key, block);
      }
      chain.push(block);
    }
    this.touch(chain);
    this.evict();
  }

  /**
   * A left-padded cache for rows that start from cached prefixes: row r holds the first `lengths[r]`
   * tokens of `matches[r]` right aligned, so the prompt's next token continues it without a hole.
   */
  assemble(matches: PrefixMatch[], lengths: number[]): KvCache {
    const { kvHeads, headDim, layers } = this.shape;
    const rows = matches.length;
    const columns = Math.max(0, ...lengths);
    const mask = new Uint8Array(rows * columns);
    const data = Array.from({ length: 2 * layers }, () => allocate(this.shape, rows * kvHeads * columns * headDim));
    matches.forEach((match, r) => {
      const length = lengths[r];
      const offset = columns - length;
      mask.fill(1, r * columns + offset, (r + 1) * columns);
      for (let t = 0; t < data.length; t++) {
        for (let h = 0; h < kvHeads; h++) {
          for (let position = 0; position < length; position += BLOCK_TOKENS) {
            const count = Math.min(BLOCK_TOKENS, length - position);
            const source = match.blocks[position / BLOCK_TOKENS].data[t] as Float32Array;
            const from = h * BLOCK_TOKENS * headDim;
            const to = ((r * kvHeads + h) * columns + offset + position) * headDim;
            (data[t] as Float32Array).set(source.subarray(from, from + count * headDim), to);
          }
        }
      }
    });
    return KvCache.fromData(this.shape, rows, columns, data, mask);
  }

  /** Copies BLOCK_TOKENS columns of one row out of a cache: per tensor [kvHeads, BLOCK_TOKENS, headDim]. */
  private copyOut(cache: KvCache, row: number, column: number): KvData[] {
    const { kvHeads, headDim } = this.shape;
    return cache.tensors.map((tensor) => {
      const source = tensor.data as Float32Array;
      const out = allocate(this.shape, kvHeads * BLOCK_TOKENS * headDim) as Float32Array;
      for (let h = 0; h < kvHeads; h++) {
        const from = ((row * kvHeads + h) * cache.columns + column) * headDim;
        out.set(source.subarray(from, from + BLOCK_TOKENS * headDim), h * BLOCK_TOKENS * headDim);
      }
      return out;
    });
  }

  /** Marks a chain used, deepest block first: a parent is then always more recent than its children and outlives them. */
  private touch(chain: PrefixBlock[]): void {
    for (let i = chain.length - 1; i >= 0; i--) {
      this.blocks.delete(chain[i].key);
      this.blocks.set(chain[i].key, chain[i]);
    }
  }

  private evict(): void {
    while (this.blocks.size > this.maxBlocks) this.blocks.delete(this.blocks.keys().next().value!);
  }
}

function allocate(shape: KvShape, length: number): KvData {
  return shape.dtype === "float16" ? new Uint16Array(length) : new Float32Array(length);
}

function sameTokens(tokens: Int32Array, promptIds: ArrayLike<number>, start: number): boolean {
  for (let i = 0; i < BLOCK_TOKENS; i++) if (tokens[i] !== promptIds[start + i]) return false;
  return true;
}

/** FNV-1a over the parent's key and the block's ids, two 32-bit lanes (hex); lookups compare tokens anyway. */
function chainHash(parent: string, ids: ArrayLike<number>, start: number): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ parent.length;
  for (let i = 0; i < parent.length; i++) {
    a = Math.imul(a ^ parent.charCodeAt(i), 0x01000193);
    b = Math.imul(b ^ parent.charCodeAt(i), 0x0100019d);
  }
  for (let i = start; i < start + BLOCK_TOKENS; i++) {
    a = Math.imul(a ^ ids[i], 0x01000193);
    b = Math.imul(b ^ (ids[i] >>> 7), 0x0100019d) ^ (a >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
