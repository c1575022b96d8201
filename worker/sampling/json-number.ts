// The JSON number part of the grammar matcher: an immutable state per number being written, the byte
// transitions of RFC 8259's number grammar, digit caps (so a number always ends) and schema bounds.
import type { NumberBound } from "../../shared/structured-output/schema-grammar.ts";

export interface NumberRule {
  integer: boolean;
  minimum: NumberBound | null;
  maximum: NumberBound | null;
}

/** Digits kept within what a double holds exactly; exponents only without bounds, at most 2 digits. */
const MAX_INT_DIGITS = 15;
const MAX_FRAC_DIGITS = 15;
const MAX_EXP_DIGITS = 2;

export const NumPhase = { Sign: 0, Zero: 1, Int: 2, Dot: 3, Frac: 4, E: 5, ExpSign: 6, Exp: 7 } as const;
export type NumPhase = (typeof NumPhase)[keyof typeof NumPhase];

export interface NumberState {
  text: string;
  phase: NumPhase;
  digits: number;
}

const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

export function numberStart(rule: NumberRule, byte: number): NumberState | null {
  if (byte === 0x2d) return check(rule, { text: "-", phase: NumPhase.Sign, digits: 0 });
  if (!isDigit(byte)) return null;
  return check(rule, { text: String.fromCharCode(byte), phase: byte === 0x30 ? NumPhase.Zero : NumPhase.Int, digits: 1 });
}

/** The state after `byte`, or null when the byte cannot continue this number. */
export function numberNext(rule: NumberRule, state: NumberState, byte: number): NumberState | null {
  const c = String.fromCharCode(byte);
  const text = state.text + c;
  const bounded = rule.minimum !== null || rule.maximum !== null;
  switch (state.phase) {
    case NumPhase.Sign:
      return isDigit(byte) ? check(rule, { text, phase: byte === 0x30 ? NumPhase.Zero : NumPhase.Int, digits: 1 }) : null;
    case NumPhase.Zero:
    case NumPhase.Int:
      if (isDigit(byte) && state.phase === NumPhase.Int && state.digits < MAX_INT_DIGITS) return check(rule, { text, phase: NumPhase.Int, digits: state.digits + 1 });
      if (byte === 0x2e && !rule.integer) return check(rule, { text, phase: NumPhase.Dot, digits: 0 });
      if ((byte === 0x65 || byte === 0x45) && !rule.integer && !bounded) return { text, phase: NumPhase.E, digits: 0 };
      return null;
    case NumPhase.Dot:
    case NumPhase.Frac:
      if (isDigit(byte) && state.digits < MAX_FRAC_DIGITS) return check(rule, { text, phase: NumPhase.Frac, digits: state.digits + 1 });
      if ((byte === 0x65 || byte === 0x45) && state.phase === NumPhase.Frac && !bounded) return { text, phase: NumPhase.E, digits: 0 };
      return null;
    case NumPhase.E:
      if (byte === 0x2b || byte === 0x2d) return { text, phase: NumPhase.ExpSign, digits: 0 };
      return isDigit(byte) ? { text, phase: NumPhase.Exp, digits: 1 } : null;
    case NumPhase.ExpSign:
    case NumPhase.Exp:
      return isDigit(byte) && state.digits < MAX_EXP_DIGITS ? { text, phase: NumPhase.Exp, digits: state.digits + 1 } : null;
  }
}

/** Whether the text so far is a complete number within the bounds. */
export function numberCanEnd(rule: NumberRule, state: NumberState): boolean {
  const { phase } = state;
  if (phase !== NumPhase.Zero && phase !== NumPhase.Int && phase !== NumPhase.Frac && phase !== NumPhase.Exp) return false;
  const value = Number(state.text);
  return Number.isFinite(value) && withinBounds(rule, value);
}

/** Fewest bytes still needed to end validly (an estimate for the length budget; 0 when it can end now). */
export function numberMinRest(rule: NumberRule, state: NumberState): number {
  let frontier = [state];
  for (let extra = 0; extra <= 3; extra++) {
    if (frontier.some((s) => numberCanEnd(rule, s))) return extra;
    frontier = frontier.flatMap((s) => [...Array(10).keys()].map((d) => numberNext(rule, s, 0x30 + d)).concat(numberNext(rule, s, 0x2e))).filter((s): s is NumberState => s !== null);
    if (frontier.length > 2000) break;
  }
  return MAX_INT_DIGITS + 2;
}

/** Bytes of the shortest valid number: the length-budget estimate for a value not started yet. */
export function numberMinLength(rule: NumberRule): number {
  const candidates = [0, rule.minimum?.value, rule.maximum?.value].filter((v): v is number => v !== undefined);
  const texts = candidates.flatMap((v) => [String(Math.ceil(v)), String(Math.floor(v)), String(Math.ceil(v) + 1), String(Math.floor(v) - 1), String(v)]);
  const valid = texts.filter((t) => (!rule.integer || Number.isInteger(Number(t))) && withinBounds(rule, Number(t)));
  return valid.length > 0 ? Math.min(...valid.map((t) => t.length)) : MAX_INT_DIGITS + 2;
}

export function numberKey(rule: NumberRule, state: NumberState): string {
  // Bounds make the value matter; without them only the phase and digit count do.
  return rule.minimum !== null || rule.maximum !== null ? state.text : `${state.phase}.${state.digits}`;
}

function withinBounds(rule: NumberRule, value: number): boolean {
  const { minimum, maximum } = rule;
  if (minimum && (minimum.exclusive ? !(value > minimum.value) : !(value >= minimum.value))) return false;
  if (maximum && (maximum.exclusive ? !(value < maximum.value) : !(value <= maximum.value))) return false;
  return !rule.integer || Number.isInteger(value);
}

/** Keeps the state only if some completion of it can still land within the bounds. */
function check(rule: NumberRule, state: NumberState): NumberState | null {
  if (rule.minimum === null && rule.maximum === null) return state;
  return reachable(rule, state).some((interval) => intersects(rule, interval)) ? state : null;
}

interface Interval {
  lo: number;
  hi: number;
  loOpen: boolean;
  hiOpen: boolean;
}

/** Values the number can still become (bounded numbers have no exponent). */
function reachable(rule: NumberRule, state: NumberState): Interval[] {
  const negative = state.text.startsWith("-");
  const body = negative ? state.text.slice(1) : state.text;
  const magnitudes: Interval[] = [];
  const closed = (lo: number, hi: number): Interval => ({ lo, hi, loOpen: false, hiOpen: false });
  const halfOpen = (lo: number, hi: number): Interval => ({ lo, hi, loOpen: false, hiOpen: true });
  switch (state.phase) {
    case NumPhase.Sign:
      magnitudes.push(rule.integer ? closed(0, 10 ** MAX_INT_DIGITS - 1) : halfOpen(0, 10 ** MAX_INT_DIGITS));
      break;
    case NumPhase.Zero:
      magnitudes.push(rule.integer ? closed(0, 0) : halfOpen(0, 1));
      break;
    case NumPhase.Int: {
      const v = Number(body);
      for (let j = 0; j <= MAX_INT_DIGITS - state.digits; j++) {
        const scale = 10 ** j;
        magnitudes.push(rule.integer ? closed(v * scale, (v + 1) * scale - 1) : halfOpen(v * scale, (v + 1) * scale));
      }
      break;
    }
    case NumPhase.Dot:
    case NumPhase.Frac: {
      const v = Number(body.endsWith(".") ? body.slice(0, -1) : body);
      magnitudes.push(state.digits >= MAX_FRAC_DIGITS ? closed(v, v) : halfOpen(v, v + 10 ** -state.digits));
      break;
    }
    default:
      magnitudes.push(halfOpen(0, Infinity));
  }
  return negative ? magnitudes.map((m) => ({ lo: -m.hi, hi: -m.lo, loOpen: m.hiOpen, hiOpen: m.loOpen })) : magnitudes;
}

function intersects(rule: NumberRule, interval: Interval): boolean {
  let { lo, hi, loOpen, hiOpen } = interval;
  const { minimum, maximum } = rule;
  if (minimum && (minimum.value > lo || (minimum.value === lo && minimum.exclusive))) [lo, loOpen] = [minimum.value, minimum.exclusive || (minimum.value === interval.lo && loOpen)];
  if (maximum && (maximum.value < hi || (maximum.value === hi && maximum.exclusive))) [hi, hiOpen] = [maximum.value, maximum.exclusive || (maximum.value === interval.hi && hiOpen)];
  if (rule.integer) {
    let low = Math.ceil(lo);
    if (loOpen && low === lo) low++;
    let high = Math.floor(hi);
    if (hiOpen && high === hi) high--;
    return low <= high;
  }
  return lo < hi || (lo === hi && !loOpen && !hiOpen);
}
