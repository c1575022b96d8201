// Byte-level matcher for a prepared JSON grammar: a nondeterministic pushdown automaton whose state is
// a list of threads (anyOf forks), each an immutable stack of frames. Gives each state a cache key,
// whether it is done or may end at EOS, and the fewest bytes that would close it (max_tokens budget).
import { closeCost } from "./json-close-cost.ts";
import { Phase, ESCAPES, FREE_KEY, FREE_VALUE, hexValue, isWs, MAX_WHITESPACE_RUN, UTF8_LEAD, type Frame, type MatchState } from "./json-grammar-frames.ts";
import { numberCanEnd, numberKey, numberNext, numberStart } from "./json-number.ts";
import { noneRequiredFrom, type MatchNode } from "./json-grammar-nodes.ts";
import { DEAD } from "./pattern-dfa.ts";

export { MAX_WHITESPACE_RUN, type MatchState };

export class JsonGrammarMatcher {
  /**
   * @param clamp counters are clamped to this in state keys (≥ the longest token in characters), so
   *   states differing only in a far-away limit share one cached mask.
   */
  constructor(
    private readonly root: MatchNode,
    private readonly clamp: number,
  ) {}

  initial(): MatchState {
    return [{ k: "root", node: this.root, done: false, ws: 0, parent: null }];
  }

  advance(state: MatchState, byte: number): MatchState {
    if (state.length === 1) return this.step(state[0], byte);
    const out: Frame[] = [];
    const seen = new Set<string>();
    for (const frame of state) {
      for (const next of this.step(frame, byte)) {
        const key = this.threadKey(next);
        if (!seen.has(key)) {
          seen.add(key);
          out.push(next);
        }
      }
    }
    return out;
  }

  /** The value is closed: nothing but whitespace may follow, so generation stops here. */
  isDone(state: MatchState): boolean {
    return state.some((f) => f.k === "root" && f.done);
  }

  /** EOS may end the text here (a top-level number or closed value). */
  canEnd(state: MatchState): boolean {
    return state.some((f) => this.endOk(f));
  }

  key(state: MatchState): string {
    return state.length === 1 ? this.threadKey(state[0]) : state.map((f) => this.threadKey(f)).sort().join("|");
  }

  /** Fewest bytes that complete the value from here (Infinity when it cannot complete). */
  minClose(state: MatchState): number {
    let best = Infinity;
    for (const frame of state) best = Math.min(best, closeCost(frame));
    return best;
  }

  private endOk(f: Frame): boolean {
    if (f.k === "root") return f.done;
    if (f.k === "num") return numberCanEnd(f.node, f.st) && this.endOk(f.parent);
    if (f.k === "lit") return f.cands.some((c) => f.node.texts[c].length === f.pos) && this.endOk(f.parent);
    return false;
  }

  private step(f: Frame, b: number): Frame[] {
    switch (f.k) {
      case "root":
        if (isWs(b)) return f.ws < MAX_WHITESPACE_RUN ? [{ ...f, ws: f.ws + 1 }] : [];
        return f.done ? [] : this.start(f.node, b, { ...f, done: true, ws: 0 });
      case "obj":
        return this.stepObject(f, b);
      case "key": {
        const props = f.parent.node.properties;
        const cands = f.cands.filter((c) => props[c].key[f.pos] === b);
        if (cands.length === 0) return [];
        const done = cands.find((c) => props[c].key.length === f.pos + 1);
        // Keys end with their closing quote, so a complete key is never a prefix of another.
        if (done !== undefined) return [{ ...f.parent, phase: Phase.Colon, idx: done, ws: 0 }];
        return [{ ...f, cands, pos: f.pos + 1 }];
      }
      case "arr":
        return this.stepArray(f, b);
      case "str":
        return this.stepString(f, b);
      case "num": {
        const st = numberNext(f.node, f.st, b);
        if (st) return [{ ...f, st }];
        return numberCanEnd(f.node, f.st) ? this.step(f.parent, b) : [];
      }
      case "lit": {
        const texts = f.node.texts;
        const cands = f.cands.filter((c) => texts[c][f.pos] === b);
        if (cands.length > 0) return this.literal(f.node, cands, f.pos + 1, f.parent);
        return f.cands.some((c) => texts[c].length === f.pos) ? this.step(f.parent, b) : [];
      }
    }
  }

  /** Frames after the first byte of a value; `parent` is the container already past that value. */
  private start(node: MatchNode, b: number, parent: Frame): Frame[] {
    switch (node.kind) {
      case "anyOf":
        return node.options.flatMap((o) => this.start(o, b, parent));
      case "object":
        return b === 0x7b ? [{ k: "obj", node, phase: Phase.Open, idx: 0, ws: 0, parent }] : [];
      case "array":
        return b === 0x5b ? [{ k: "arr", node, phase: Phase.Open, count: 0, ws: 0, parent }] : [];
      case "string":
        return b === 0x22 ? [{ k: "str", node, count: 0, esc: 0, hex: 0, utf8: 0, cp: 0, lo: 0, hi: 0, dfa: node.dfa?.start ?? 0, parent }] : [];
      case "number": {
        const st = numberStart(node, b);
        return st ? [{ k: "num", node, st, parent }] : [];
      }
      case "literal": {
        const cands = node.texts.flatMap((t, i) => (t[0] === b ? [i] : []));
        return cands.length > 0 ? this.literal(node, cands, 1, parent) : [];
      }
    }
  }

  private literal(node: Extract<MatchNode, { kind: "literal" }>, cands: number[], pos: number, parent: Frame): Frame[] {
    // Complete and not a prefix of another candidate: the literal is over.
    if (cands.every((c) => node.texts[c].length === pos)) return [parent];
    return [{ k: "lit", node, cands, pos, parent }];
  }

  private stepObject(f: Extract<Frame, { k: "obj" }>, b: number): Frame[] {
    if (isWs(b)) return f.ws < MAX_WHITESPACE_RUN ? [{ ...f, ws: f.ws + 1 }] : [];
    const { node } = f;
    const closable = node.freeKeys || noneRequiredFrom(node.properties, f.idx);
    switch (f.phase) {
      case Phase.Open:
        if (b === 0x7d) return closable ? [f.parent] : [];
        return b === 0x22 ? this.startKey(f) : [];
      case Phase.Comma:
        return b === 0x22 ? this.startKey(f) : [];
      case Phase.Colon:
        return b === 0x3a ? [{ ...f, phase: Phase.Value, ws: 0 }] : [];
      case Phase.Value: {
        const value = node.freeKeys ? FREE_VALUE(node) : node.properties[f.idx].value;
        return this.start(value, b, { ...f, phase: Phase.After, idx: node.freeKeys ? 0 : f.idx + 1, ws: 0 });
      }
      case Phase.After:
        if (b === 0x7d) return closable ? [f.parent] : [];
        if (b === 0x2c && (node.freeKeys || f.idx < node.properties.length)) return [{ ...f, phase: Phase.Comma, ws: 0 }];
        return [];
    }
    return [];
  }

  private startKey(f: Extract<Frame, { k: "obj" }>): Frame[] {
    const { node } = f;
    if (node.freeKeys) {
      const parent: Frame = { ...f, phase: Phase.Colon, ws: 0 };
      return [{ k: "str", node: FREE_KEY, count: 0, esc: 0, hex: 0, utf8: 0, cp: 0, lo: 0, hi: 0, dfa: 0, parent }];
    }
    const cands: number[] = [];
    for (let j = f.idx; j < node.properties.length; j++) {
      cands.push(j);
      if (node.properties[j].required) break;
    }
    return cands.length > 0 ? [{ k: "key", cands, pos: 1, parent: { ...f, ws: 0 } }] : [];
  }

  private stepArray(f: Extract<Frame, { k: "arr" }>, b: number): Frame[] {
    if (isWs(b)) return f.ws < MAX_WHITESPACE_RUN ? [{ ...f, ws: f.ws + 1 }] : [];
    const { node } = f;
    const roomForItem = node.maxItems === null || f.count < node.maxItems;
    switch (f.phase) {
      case Phase.Open:
        if (b === 0x5d) return node.minItems === 0 ? [f.parent] : [];
        return roomForItem ? this.start(node.items, b, { ...f, phase: Phase.After, count: f.count + 1, ws: 0 }) : [];
      case Phase.After:
        if (b === 0x5d) return f.count >= node.minItems ? [f.parent] : [];
        return b === 0x2c && roomForItem ? [{ ...f, phase: Phase.Comma, ws: 0 }] : [];
      default:
        return this.start(node.items, b, { ...f, phase: Phase.After, count: f.count + 1, ws: 0 });
    }
  }

  private stepString(f: Extract<Frame, { k: "str" }>, b: number): Frame[] {
    if (f.utf8 > 0) {
      if (b < f.lo || b > f.hi) return [];
      const cp = (f.cp << 6) | (b & 0x3f);
      if (f.utf8 === 1) return this.char(f, cp);
      return this.partialChar({ ...f, utf8: f.utf8 - 1, cp, lo: 0x80, hi: 0xbf });
    }
    if (f.esc === 1) {
      const simple = ESCAPES.get(b);
      if (simple !== undefined) return this.char(f, simple);
      if (b !== 0x75 || (f.node.dfa && !f.node.dfa.allowsRange(f.dfa, 0, 0xffff))) return [];
      return [{ ...f, esc: 2, hex: 0 }];
    }
    if (f.esc >= 2) {
      const digit = hexValue(b);
      if (digit < 0) return [];
      const hex = f.hex * 16 + digit;
      if (f.esc < 5) {
        // As for multi-byte characters: the pattern must accept some character these digits can still spell.
        const shift = 4 * (5 - f.esc);
        if (f.node.dfa && !f.node.dfa.allowsRange(f.dfa, hex << shift, (hex << shift) | ((1 << shift) - 1))) return [];
        return [{ ...f, esc: f.esc + 1, hex }];
      }
      // Lone surrogates parse but are not text; pairs are left out for simplicity (raw UTF-8 works).
      return hex >= 0xd800 && hex <= 0xdfff ? [] : this.char(f, hex);
    }
    const { node } = f;
    if (b === 0x22) return f.count >= node.minChars && (node.dfa === null || node.dfa.accepts(f.dfa)) ? [f.parent] : [];
    if (node.maxChars !== null && f.count >= node.maxChars) return [];
    if (b === 0x5c) return node.dfa && !node.dfa.allowsRange(f.dfa, 0, 0xffff) ? [] : [{ ...f, esc: 1 }];
    if (b < 0x20) return [];
    if (b < 0x80) return this.char(f, b);
    const lead = UTF8_LEAD[b - 0x80];
    return lead ? this.partialChar({ ...f, utf8: lead[0], cp: b & lead[1], lo: lead[2], hi: lead[3] }) : [];
  }

  /** Inside a multi-byte character: kept only if the pattern accepts some character it can still become. */
  private partialChar(f: Extract<Frame, { k: "str" }>): Frame[] {
    const { dfa } = f.node;
    if (!dfa) return [f];
    const shift = 6 * f.utf8;
    const lo = (f.cp << shift) | ((f.lo & 0x3f) << (shift - 6));
    const hi = (f.cp << shift) | ((f.hi & 0x3f) << (shift - 6)) | ((1 << (shift - 6)) - 1);
    return dfa.allowsRange(f.dfa, lo, hi) ? [f] : [];
  }

  /** One whole character written into the string. */
  private char(f: Extract<Frame, { k: "str" }>, cp: number): Frame[] {
    const { node } = f;
    const count = f.count + 1;
    if (node.maxChars !== null && count > node.maxChars) return [];
    let dfa = f.dfa;
    if (node.dfa) {
      dfa = node.dfa.next(f.dfa, cp);
      if (dfa === DEAD) return [];
      const distance = node.dfa.distance(dfa);
      if (distance === Infinity || (node.maxChars !== null && count + distance > node.maxChars)) return [];
    }
    return [{ ...f, count, esc: 0, hex: 0, utf8: 0, cp: 0, dfa }];
  }

  private threadKey(top: Frame): string {
    let key = "";
    for (let f: Frame | null = top; f !== null; f = f.parent) key += this.frameKey(f) + ";";
    return key;
  }

  private frameKey(f: Frame): string {
    const c = this.clamp;
    switch (f.k) {
      case "root":
        return `r${+f.done}.${f.ws}`;
      case "obj":
        return `o${f.node.id}.${f.phase}.${f.idx}.${f.ws}`;
      case "key":
        return `k${f.cands.join(",")}.${f.pos}`;
      case "arr": {
        const room = f.node.maxItems === null ? "" : Math.min(f.node.maxItems - f.count, c);
        return `a${f.node.id}.${f.phase}.${Math.min(f.count, f.node.minItems)}.${room}.${f.ws}`;
      }
      case "str": {
        const room = f.node.maxChars === null ? "" : Math.min(f.node.maxChars - f.count, c);
        return `s${f.node.id}.${Math.min(f.count, f.node.minChars)}.${room}.${f.esc}.${f.hex}.${f.utf8}.${f.cp}.${f.lo}.${f.dfa}`;
      }
      case "num":
        return `n${f.node.id}.${numberKey(f.node, f.st)}`;
      case "lit":
        return `l${f.node.id}.${f.cands.join(",")}.${f.pos}`;
    }
  }

}
