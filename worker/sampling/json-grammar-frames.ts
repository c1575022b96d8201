// The frames of the JSON grammar matcher's threads (one per open value: object, key, array, string,
// number, literal, plus the root) and the byte tables they use. Frames are immutable: a step builds new ones.
import type { NumberState } from "./json-number.ts";
import type { MatchNode, ObjectMatchNode, StringMatchNode } from "./json-grammar-nodes.ts";

/** Whitespace bytes in one gap between tokens of JSON; bounded so output cannot idle forever. */
export const MAX_WHITESPACE_RUN = 16;

/** Where an object or array frame stands (arrays use Open, After and Comma). */
export const Phase = { Open: 0, Colon: 1, Value: 2, After: 3, Comma: 4 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export type Frame =
  | { k: "root"; node: MatchNode; done: boolean; ws: number; parent: null }
  | { k: "obj"; node: ObjectMatchNode; phase: Phase; idx: number; ws: number; parent: Frame }
  /** Matching one of the schema's property keys; `parent` is the object at its key position. */
  | { k: "key"; cands: number[]; pos: number; parent: Extract<Frame, { k: "obj" }> }
  | { k: "arr"; node: Extract<MatchNode, { kind: "array" }>; phase: Phase; count: number; ws: number; parent: Frame }
  /** esc: 0 none, 1 after "\", 2..5 after "\u" and (esc-2) hex digits. utf8: continuation bytes left. */
  | { k: "str"; node: StringMatchNode; count: number; esc: number; hex: number; utf8: number; cp: number; lo: number; hi: number; dfa: number; parent: Frame }
  | { k: "num"; node: Extract<MatchNode, { kind: "number" }>; st: NumberState; parent: Frame }
  | { k: "lit"; node: Extract<MatchNode, { kind: "literal" }>; cands: number[]; pos: number; parent: Frame };

/** One matcher state: the live threads (never empty unless dead). */
export type MatchState = readonly Frame[];

export const isWs = (b: number) => b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;

export const FREE_KEY: StringMatchNode = { kind: "string", id: -1, minLength: 2, minChars: 0, maxChars: null, dfa: null };
/** Values of a free-keys object: the `any` node the object belongs to (prepareGrammar makes it its parent anyOf). */
export const FREE_VALUE = (node: ObjectMatchNode): MatchNode => node.anyValue!;
export const ESCAPES = new Map([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].map((b) => [b, ({ 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 } as Record<number, number>)[b] ?? b]));
/** Per lead byte 0x80..0xff: [continuation bytes, payload mask, first continuation low, high] (RFC 3629). */
export const UTF8_LEAD: Array<[number, number, number, number] | null> = Array.from({ length: 128 }, (_, i) => {
  const b = 0x80 + i;
  if (b >= 0xc2 && b <= 0xdf) return [1, 0x1f, 0x80, 0xbf];
  if (b === 0xe0) return [2, 0x0f, 0xa0, 0xbf];
  if (b === 0xed) return [2, 0x0f, 0x80, 0x9f];
  if (b >= 0xe1 && b <= 0xef) return [2, 0x0f, 0x80, 0xbf];
  if (b === 0xf0) return [3, 0x07, 0x90, 0xbf];
  if (b >= 0xf1 && b <= 0xf3) return [3, 0x07, 0x80, 0xbf];
  if (b === 0xf4) return [3, 0x07, 0x80, 0x8f];
  return null;
});

export function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}
