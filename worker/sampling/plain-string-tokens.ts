// Which token bytes a JSON string may hold as they are: whole UTF-8 characters, none a control
// character, quote or backslash. Inside a free-form string every such token is allowed and keeps the
// close cost, so its mask is a per-vocabulary bitset (by most characters) plus a walk over the others.
import { UTF8_LEAD } from "./json-grammar-frames.ts";

/** The characters in `bytes` when they are plain string text, else -1. */
export function plainStringChars(bytes: Uint8Array): number {
  let chars = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i++];
    chars++;
    if (b < 0x20 || b === 0x22 || b === 0x5c) return -1;
    if (b < 0x80) continue;
    const lead = UTF8_LEAD[b - 0x80];
    if (!lead) return -1;
    const [continuations, , lo, hi] = lead;
    if (i + continuations > bytes.length) return -1; // a partial character
    if (bytes[i] < lo || bytes[i] > hi) return -1;
    for (let k = 1; k < continuations; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return -1;
    i += continuations;
  }
  return chars;
}
