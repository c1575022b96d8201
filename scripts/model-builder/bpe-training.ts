// Byte-level BPE vocabulary construction (GPT-2 style): the bytes_to_unicode alphabet, merges
// learned by pair counting over the built-in corpus, then seeded merges up to the target size.
import { BPE_CORPUS } from "./bpe-corpus.ts";
import { SeededRandom } from "./seeded-random.ts";

/** GPT-2's byte → printable character table: the 256 single-byte tokens. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + next++);
  }
  return table;
}

/** The ByteLevel pre-tokenizer's split pattern (GPT-2). */
const PRE_TOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function corpusWords(text: string, byteChars: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const encoder = new TextEncoder();
  for (const match of text.matchAll(PRE_TOKENIZE)) {
    const word = Array.from(encoder.encode(match[0]), (b) => byteChars[b]).join("");
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

export interface BpeVocabulary {
  /** Token strings in id order (specials first, then the 256 bytes, then one per merge). */
  tokens: string[];
  merges: Array<[string, string]>;
}

/**
 * Extends `initialTokens` (specials + byte alphabet) with merges until `vocabSize` tokens.
 * Every merge creates a token string not yet in the vocabulary.
 */
export function buildBpeVocabulary(initialTokens: string[], byteChars: string[], vocabSize: number, seed: number): BpeVocabulary {
  const tokens = [...initialTokens];
  const known = new Set(tokens);
  const merges: Array<[string, string]> = [];
  const addMerge = (a: string, b: string) => {
    merges.push([a, b]);
    tokens.push(a + b);
    known.add(a + b);
  };

  // 1. Classic BPE training: merge the most frequent adjacent pair (ties: smallest pair).
  const words = [...corpusWords(BPE_CORPUS, byteChars)].map(([word, count]) => ({ symbols: Array.from(word), count }));
  const banned = new Set<string>();
  while (tokens.length < vocabSize) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`; // byte-level symbols never contain " "
        if (!banned.has(key)) pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (!best) break;
    const [a, b] = best.split(" ");
    if (known.has(a + b)) {
      banned.add(best); // would duplicate a token reached through another split
      continue;
    }
    addMerge(a, b);
    for (const word of words) {
      const merged: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === a && word.symbols[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else merged.push(word.symbols[i]);
      }
      word.symbols = merged;
    }
  }

  // 2. Seeded merges up to the target size (bench vocabularies are large): word-like tokens, a
  // letter piece (optionally word-initial, "Ġ") plus a lowercase continuation, so sampled text
  // reads as words, as with a trained vocabulary.
  const random = new SeededRandom(seed, "tokenizer.merges");
  const space = byteChars[32];
  const wordInitial = new RegExp(`^${space}?[A-Za-z]{1,4}$`);
  const pool = tokens.filter((t) => wordInitial.test(t));
  const continuations = tokens.filter((t) => /^[a-z]{1,4}$/.test(t));
  while (tokens.length < vocabSize) {
    const a = pool[random.below(pool.length)];
    const b = continuations[random.below(continuations.length)];
    const joined = a + b;
    if (known.has(joined)) continue;
    addMerge(a, b);
    if (wordInitial.test(joined)) pool.push(joined);
    if (/^[a-z]{1,4}$/.test(joined)) continuations.push(joined);
  }
  return { tokens, merges };
}
