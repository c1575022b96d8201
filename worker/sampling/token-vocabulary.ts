// The bytes each token id writes, read from tokenizer.json the way its decoder turns pieces into
// text (byte-level BPE, SentencePiece byte fallback with "▁" spaces, or raw pieces), and a trie over
// them so a grammar can be walked once per byte prefix shared by many tokens.
import { plainStringChars } from "./plain-string-tokens.ts";

export interface TrieNode {
  children: ReadonlyMap<number, TrieNode>;
  /** Token ids whose bytes end exactly here. */
  ids: readonly number[];
  /** The ids' bytes are plain string text (plain-string-tokens.ts). */
  plainText: boolean;
  /** Some token at or below this node is not plain string text. */
  mixed: boolean;
}

// Most nodes are leaves or end no token: they share these until something is added, which keeps a
// 32k-token trie from allocating a Map and an array per node (its build is on the first constrained step).
const NO_CHILDREN: ReadonlyMap<number, TrieNode> = new Map();
const NO_IDS: readonly number[] = [];

const newNode = (): TrieNode => ({ children: NO_CHILDREN, ids: NO_IDS, plainText: false, mixed: false });

export class TokenVocabulary {
  readonly root: TrieNode = newNode();
  /** Longest token in bytes. */
  readonly maxTokenBytes: number;
  /** Per token id: its characters when its bytes are plain string text, else -1. */
  private readonly plainChars: Int16Array;
  private readonly plainMasks = new Map<number, { mask: Uint32Array; count: number }>();

  /** @param bytes per token id: its UTF-8 bytes, or null for ids that write no text (special, unused). */
  constructor(
    readonly bytes: ReadonlyArray<Uint8Array | null>,
    readonly vocabSize: number,
  ) {
    let longest = 1;
    this.plainChars = new Int16Array(vocabSize).fill(-1);
    bytes.forEach((b, id) => {
      if (!b || b.length === 0 || id >= vocabSize) return;
      longest = Math.max(longest, b.length);
      const chars = plainStringChars(b);
      const plain = chars >= 0;
      this.plainChars[id] = Math.min(chars, 0x7fff);
      let node = this.root;
      for (const byte of b) {
        let child = node.children.get(byte);
        if (!child) {
          child = newNode();
          if (node.children === NO_CHILDREN) node.children = new Map();
          (node.children as Map<number, TrieNode>).set(byte, child);
        }
        if (!plain) node.mixed = true;
        node = child;
      }
      if (!plain) node.mixed = true;
      node.plainText = plain;
      node.ids = node.ids === NO_IDS ? [id] : [...node.ids, id];
    });
    this.maxTokenBytes = longest;
  }

  /**
   * Bitset over token ids [ceil(vocabSize / 32)] of the plain-string-text tokens of at most
   * `maxChars` characters, and how many; built once per bound (at most maxTokenBytes + 1 of them).
   */
  plainStringTokens(maxChars: number): { mask: Uint32Array; count: number } {
    const bound = Math.min(maxChars, this.maxTokenBytes);
    let entry = this.plainMasks.get(bound);
    if (!entry) {
      const mask = new Uint32Array((this.vocabSize + 31) >>> 5);
      let count = 0;
      this.plainChars.forEach((chars, id) => {
        if (chars < 0 || chars > bound) return;
        mask[id >>> 5] |= 1 << (id & 31);
        count++;
      });
      this.plainMasks.set(bound, (entry = { mask, count }));
    }
    return entry;
  }

  static fromTokenizerJson(tokenizer: Record<string, unknown>, vocabSize: number): TokenVocabulary {
    return new TokenVocabulary(tokenBytes(tokenizer, vocabSize), vocabSize);
  }
}

const encoder = new TextEncoder();

/** Per id < vocabSize: the bytes the token adds to decoded text, null when it adds none. */
export function tokenBytes(tokenizer: Record<string, unknown>, vocabSize: number): Array<Uint8Array | null> {
  const result = new Array<Uint8Array | null>(vocabSize).fill(null);
  const model = (tokenizer.model ?? {}) as { vocab?: unknown; byte_fallback?: boolean };
  const style = decoderStyle(tokenizer.decoder);
  const byteLevel = style.byteLevel ? byteLevelDecoding() : null;
  const piece = (text: string): Uint8Array => {
    if (byteLevel) {
      const out = new Uint8Array(text.length);
      let n = 0;
      for (const ch of text) {
        const b = byteLevel.get(ch);
        if (b === undefined) return encoder.encode(text); // not a byte-level piece
        out[n++] = b;
      }
      return out.subarray(0, n);
    }
    if (style.byteFallback || model.byte_fallback) {
      const match = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
      if (match) return Uint8Array.of(parseInt(match[1], 16));
    }
    return encoder.encode(style.spaceMarker ? text.replaceAll(style.spaceMarker, " ") : text);
  };
  const entries: Array<[string, number]> = Array.isArray(model.vocab)
    ? (model.vocab as Array<[string, number]>).map(([text], id) => [text, id])
    : Object.entries((model.vocab ?? {}) as Record<string, number>);
  for (const [text, id] of entries) if (id < vocabSize) result[id] = piece(text);
  for (const added of (tokenizer.added_tokens ?? []) as Array<{ id: number; content: string; special?: boolean }>) {
    if (added.id >= vocabSize) continue;
    // Special tokens (BOS, EOS, chat markers) are skipped when decoding: they write no text.
    result[added.id] = added.special ? null : encoder.encode(added.content);
  }
  return result;
}

interface DecoderStyle {
  byteLevel: boolean;
  byteFallback: boolean;
  /** The character the decoder turns back into a space ("▁" in SentencePiece vocabularies). */
  spaceMarker: string | null;
}

function decoderStyle(decoder: unknown): DecoderStyle {
  const style: DecoderStyle = { byteLevel: false, byteFallback: false, spaceMarker: null };
  const visit = (d: unknown) => {
    if (!d || typeof d !== "object") return;
    const { type } = d as { type?: string };
    if (type === "Sequence") for (const inner of (d as { decoders?: unknown[] }).decoders ?? []) visit(inner);
    else if (type === "ByteLevel") style.byteLevel = true;
    else if (type === "ByteFallback") style.byteFallback = true;
    else if (type === "Metaspace") style.spaceMarker = (d as { replacement?: string }).replacement ?? "▁";
    else if (type === "Replace") {
      const { pattern, content } = d as { pattern?: { String?: string }; content?: string };
      if (pattern?.String && content === " ") style.spaceMarker = pattern.String;
    }
  };
  visit(decoder);
  return style;
}

/** GPT-2's bytes_to_unicode, inverted: the printable character standing for each byte. */
function byteLevelDecoding(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  const chars = [...bytes];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + n++);
    }
  }
  return new Map(bytes.map((b, i) => [String.fromCodePoint(chars[i]), b]));
}
