// The bytes each token id writes, read from tokenizer.json the way its decoder turns pieces into
// text (byte-level BPE, SentencePiece byte fallback with "▁" spaces, or raw pieces), and a trie over
// them so a grammar can be walked once per byte prefix shared by many tokens.

export interface TrieNode {
  children: Map<number, TrieNode>;
  /** Token ids whose bytes end exactly here. */
  ids: number[];
}

export class TokenVocabulary {
  readonly root: TrieNode = { children: new Map(), ids: [] };
  /** Longest token in bytes. */
  readonly maxTokenBytes: number;

  /** @param bytes per token id: its UTF-8 bytes, or null for ids that write no text (special, unused). */
  constructor(
    readonly bytes: ReadonlyArray<Uint8Array | null>,
    readonly vocabSize: number,
  ) {
    let longest = 1;
    bytes.forEach((b, id) => {
      if (!b || b.length === 0 || id >= vocabSize) return;
      longest = Math.max(longest, b.length);
      let node = this.root;
      for (const byte of b) {
        let child = node.children.get(byte);
        if (!child) node.children.set(byte, (child = { children: new Map(), ids: [] }));
        node = child;
      }
      node.ids.push(id);
    });
    this.maxTokenBytes = longest;
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
