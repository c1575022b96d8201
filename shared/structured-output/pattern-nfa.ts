// Compiles the JSON Schema `pattern` subset genq can enforce while decoding into a Thompson NFA over
// Unicode code points: literals, escapes (\d \w \s and their negations), classes, `.`, groups,
// alternation and quantifiers. Lookaround, backreferences and flags are refused.

/** A transition on any code point inside one of `ranges` (inclusive pairs), or outside them when `negated`. */
export interface NfaEdge {
  ranges: number[];
  negated: boolean;
  to: number;
}

/** Plain data (crosses worker_threads): state i has char edges `edges[i]` and ε-moves `epsilon[i]`. */
export interface PatternNfa {
  edges: NfaEdge[][];
  epsilon: number[][];
  start: number;
  accept: number;
}

export class PatternError extends Error {}

const MAX_STATES = 4096;
const MAX_REPEAT = 64;
const DIGIT = [0x30, 0x39];
const WORD = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
const SPACE = [0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff];
/** `.` matches everything but line terminators (ECMAScript without the s flag). */
const LINE_TERMINATORS = [0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029];
const ANY = { ranges: [] as number[], negated: true };

interface CharSet {
  ranges: number[];
  negated: boolean;
}
/** A fragment: start and end state of a sub-automaton. */
interface Fragment {
  start: number;
  end: number;
}
type Ast =
  | { t: "set"; set: CharSet }
  | { t: "seq"; items: Ast[] }
  | { t: "alt"; options: Ast[] }
  | { t: "rep"; item: Ast; min: number; max: number | null };

/** JSON Schema patterns are unanchored: `^`/`$` at the ends anchor, otherwise any text may surround the match. */
export function compilePattern(source: string): PatternNfa {
  let body = source;
  const anchoredStart = body.startsWith("^");
  if (anchoredStart) body = body.slice(1);
  const anchoredEnd = body.endsWith("$") && !body.endsWith("\\$");
  if (anchoredEnd) body = body.slice(0, -1);
  const parser = new PatternParser(body);
  const ast = parser.parseAll();
  const anyRun: Ast = { t: "rep", item: { t: "set", set: ANY }, min: 0, max: null };
  const whole: Ast = { t: "seq", items: [...(anchoredStart ? [] : [anyRun]), ast, ...(anchoredEnd ? [] : [anyRun])] };
  const builder = new NfaBuilder();
  const fragment = builder.build(whole);
  return { edges: builder.edges, epsilon: builder.epsilon, start: fragment.start, accept: fragment.end };
}

class PatternParser {
  private at = 0;
  constructor(private readonly source: string) {}

  parseAll(): Ast {
    const ast = this.parseAlt();
    if (this.at < this.source.length) throw new PatternError(`unexpected "${this.source[this.at]}" at ${this.at}`);
    return ast;
  }

  private parseAlt(): Ast {
    const options = [this.parseSeq()];
    while (this.peek() === "|") {
      this.at++;
      options.push(this.parseSeq());
    }
    return options.length === 1 ? options[0] : { t: "alt", options };
  }

  private parseSeq(): Ast {
    const items: Ast[] = [];
    while (this.at < this.source.length && this.peek() !== "|" && this.peek() !== ")") {
      items.push(this.parseQuantified(this.parseAtom()));
    }
    return { t: "seq", items };
  }

  private parseQuantified(item: Ast): Ast {
    const c = this.peek();
    let min: number, max: number | null;
    if (c === "*") [min, max] = [0, null];
    else if (c === "+") [min, max] = [1, null];
    else if (c === "?") [min, max] = [0, 1];
    else if (c === "{" && /^\{\d+(,\d*)?\}/.test(this.source.slice(this.at))) {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at))!;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === "" ? null : Number(match[3]);
      this.at += match[0].length - 1;
      if ((max ?? min) > MAX_REPEAT || (max !== null && max < min)) throw new PatternError(`repeat {${match[1]}${match[2] ?? ""}} is over ${MAX_REPEAT} or empty`);
    } else return item;
    this.at++;
    if (this.peek() === "?") this.at++; // lazy: same language
    if ("*+?{".includes(this.peek() ?? "") && this.peek() !== undefined) throw new PatternError(`nested quantifier at ${this.at}`);
    return { t: "rep", item, min, max };
  }

  private parseAtom(): Ast {
    const c = this.next();
    switch (c) {
      case "(": {
        if (this.peek() === "?") {
          if (this.source.slice(this.at, this.at + 2) !== "?:") throw new PatternError("lookaround and named groups are not supported");
          this.at += 2;
        }
        const inner = this.parseAlt();
        if (this.next() !== ")") throw new PatternError("unclosed group");
        return inner;
      }
      case "[":
        return { t: "set", set: this.parseClass() };
      case ".":
        return { t: "set", set: { ranges: LINE_TERMINATORS, negated: true } };
      case "\\":
        return { t: "set", set: this.parseEscape(false) };
      case "^":
      case "$":
        throw new PatternError(`anchor "${c}" is only supported at the start/end of the pattern`);
      case "*":
      case "+":
      case "?":
      case ")":
      case "{":
      case "}":
      case "]":
        throw new PatternError(`unexpected "${c}" at ${this.at - 1}`);
      default:
        return literal(c.codePointAt(0)!);
    }
  }

  private parseClass(): CharSet {
    const negated = this.peek() === "^";
    if (negated) this.at++;
    const ranges: number[] = [];
    let first = true;
    while (this.peek() !== "]" || first) {
      first = false;
      if (this.at >= this.source.length) throw new PatternError("unclosed character class");
      const low = this.classAtom();
      if (this.peek() === "-" && this.source[this.at + 1] !== "]" && this.at + 1 < this.source.length && low.single !== null) {
        this.at++;
        const high = this.classAtom();
        if (high.single === null || high.single < low.single) throw new PatternError("bad range in character class");
        ranges.push(low.single, high.single);
      } else if (low.set.negated) {
        // [\D] etc: the complement of a set inside a class
        ranges.push(...complement(low.set.ranges));
      } else ranges.push(...low.set.ranges);
    }
    this.at++;
    return { ranges, negated };
  }

  private classAtom(): { single: number | null; set: CharSet } {
    const c = this.next();
    if (c === "\\") {
      const set = this.parseEscape(true);
      const single = !set.negated && set.ranges.length === 2 && set.ranges[0] === set.ranges[1] ? set.ranges[0] : null;
      return { single, set };
    }
    const cp = c.codePointAt(0)!;
    if (cp > 0xffff) this.at++;
    return { single: cp, set: { ranges: [cp, cp], negated: false } };
  }

  private parseEscape(inClass: boolean): CharSet {
    const c = this.next();
    const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, v: 0x0b, "0": 0 };
    if (c === "d" || c === "D") return { ranges: DIGIT, negated: c === "D" };
    if (c === "w" || c === "W") return { ranges: WORD, negated: c === "W" };
    if (c === "s" || c === "S") return { ranges: SPACE, negated: c === "S" };
    if (c in simple) return { ranges: [simple[c], simple[c]], negated: false };
    if (c === "b" && inClass) return { ranges: [8, 8], negated: false };
    if (c === "u" || c === "x") {
      const length = c === "u" ? 4 : 2;
      const hex = this.source.slice(this.at, this.at + length);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) throw new PatternError(`bad \\${c} escape`);
      this.at += length;
      const cp = parseInt(hex, 16);
      return { ranges: [cp, cp], negated: false };
    }
    if (/[\^$\\.*+?()[\]{}|/-]/.test(c)) return literal(c.codePointAt(0)!).set;
    throw new PatternError(`escape \\${c} is not supported`);
  }

  private peek(): string | undefined {
    return this.source[this.at];
  }

  private next(): string {
    if (this.at >= this.source.length) throw new PatternError("pattern ends early");
    const cp = this.source.codePointAt(this.at)!;
    const c = String.fromCodePoint(cp);
    this.at += c.length;
    return c;
  }
}

function literal(cp: number): { t: "set"; set: CharSet } {
  return { t: "set", set: { ranges: [cp, cp], negated: false } };
}

function complement(ranges: number[]): number[] {
  const sorted = [];
  for (let i = 0; i < ranges.length; i += 2) sorted.push([ranges[i], ranges[i + 1]]);
  sorted.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push(next, lo - 1);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push(next, 0x10ffff);
  return out;
}

class NfaBuilder {
  readonly edges: NfaEdge[][] = [];
  readonly epsilon: number[][] = [];

  private state(): number {
    if (this.edges.length >= MAX_STATES) throw new PatternError(`pattern needs more than ${MAX_STATES} automaton states`);
    this.edges.push([]);
    this.epsilon.push([]);
    return this.edges.length - 1;
  }

  build(ast: Ast): Fragment {
    const start = this.state();
    const end = this.state();
    switch (ast.t) {
      case "set":
        this.edges[start].push({ ...ast.set, to: end });
        break;
      case "seq": {
        let at = start;
        for (const item of ast.items) {
          const f = this.build(item);
          this.epsilon[at].push(f.start);
          at = f.end;
        }
        this.epsilon[at].push(end);
        break;
      }
      case "alt":
        for (const option of ast.options) {
          const f = this.build(option);
          this.epsilon[start].push(f.start);
          this.epsilon[f.end].push(end);
        }
        break;
      case "rep": {
        let at = start;
        for (let i = 0; i < ast.min; i++) {
          const f = this.build(ast.item);
          this.epsilon[at].push(f.start);
          at = f.end;
        }
        if (ast.max === null) {
          const f = this.build(ast.item);
          this.epsilon[at].push(f.start, end);
          this.epsilon[f.end].push(f.start, end);
        } else {
          for (let i = ast.min; i < ast.max; i++) {
            const f = this.build(ast.item);
            this.epsilon[at].push(f.start, end);
            at = f.end;
          }
        }
        this.epsilon[at].push(end);
        break;
      }
    }
    return { start, end };
  }
}
