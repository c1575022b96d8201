// Lazily determinized view of a PatternNfa: state ids for ε-closed NFA state sets, memoized
// transitions per code point, and each state's distance (in characters) to an accepting state.
import type { PatternNfa } from "../../shared/structured-output/pattern-nfa.ts";

export const DEAD = -1;

export class PatternDfa {
  /** Sorted NFA state sets, by DFA state id. */
  private readonly sets: number[][] = [];
  private readonly ids = new Map<string, number>();
  private readonly transitions: Array<Map<number, number>> = [];
  /** Per NFA state: fewest characters to reach accept (Infinity: never). */
  private readonly nfaDistance: number[];
  readonly start: number;

  constructor(private readonly nfa: PatternNfa) {
    this.nfaDistance = distancesToAccept(nfa);
    this.start = this.intern(this.closure([nfa.start]));
  }

  next(state: number, codePoint: number): number {
    const memo = this.transitions[state];
    const known = memo.get(codePoint);
    if (known !== undefined) return known;
    const targets: number[] = [];
    for (const s of this.sets[state]) {
      for (const edge of this.nfa.edges[s]) if (inRanges(edge.ranges, codePoint) !== edge.negated) targets.push(edge.to);
    }
    const id = targets.length === 0 ? DEAD : this.intern(this.closure(targets));
    // Distinct code points seen per state stay few in practice; cap the memo anyway.
    if (memo.size < 4096) memo.set(codePoint, id);
    return id;
  }

  /**
   * Whether some code point in [lo, hi] can continue from `state` towards a match: checked on the
   * lead byte of a multi-byte character, so a token cannot end inside a character the pattern refuses.
   */
  allowsRange(state: number, lo: number, hi: number): boolean {
    for (const s of this.sets[state]) {
      for (const edge of this.nfa.edges[s]) {
        if (this.nfaDistance[edge.to] === Infinity) continue;
        if (edge.negated ? !coversRange(edge.ranges, lo, hi) : overlapsRange(edge.ranges, lo, hi)) return true;
      }
    }
    return false;
  }

  accepts(state: number): boolean {
    return this.sets[state].includes(this.nfa.accept);
  }

  /** Fewest characters still needed before the pattern can accept. */
  distance(state: number): number {
    let best = Infinity;
    for (const s of this.sets[state]) best = Math.min(best, this.nfaDistance[s]);
    return best;
  }

  private closure(states: number[]): number[] {
    const seen = new Set<number>(states);
    const stack = [...states];
    while (stack.length > 0) {
      for (const to of this.nfa.epsilon[stack.pop()!]) {
        if (!seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  }

  private intern(set: number[]): number {
    const key = set.join(",");
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(set);
      this.ids.set(key, id);
      this.transitions.push(new Map());
    }
    return id;
  }
}

function inRanges(ranges: number[], cp: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (cp >= ranges[i] && cp <= ranges[i + 1]) return true;
  return false;
}

function overlapsRange(ranges: number[], lo: number, hi: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (ranges[i] <= hi && ranges[i + 1] >= lo) return true;
  return false;
}

function coversRange(ranges: number[], lo: number, hi: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (ranges[i] <= lo && ranges[i + 1] >= hi) return true;
  return false;
}

/** Backward 0-1 BFS from accept: ε-moves cost 0, character edges cost 1. */
function distancesToAccept(nfa: PatternNfa): number[] {
  const n = nfa.edges.length;
  const reverse: Array<Array<[number, number]>> = Array.from({ length: n }, () => []);
  for (let s = 0; s < n; s++) {
    for (const edge of nfa.edges[s]) reverse[edge.to].push([s, 1]);
    for (const to of nfa.epsilon[s]) reverse[to].push([s, 0]);
  }
  const distance = new Array<number>(n).fill(Infinity);
  distance[nfa.accept] = 0;
  const deque = [nfa.accept];
  while (deque.length > 0) {
    const s = deque.shift()!;
    for (const [from, cost] of reverse[s]) {
      if (distance[s] + cost < distance[from]) {
        distance[from] = distance[s] + cost;
        if (cost === 0) deque.unshift(from);
        else deque.push(from);
      }
    }
  }
  return distance;
}
