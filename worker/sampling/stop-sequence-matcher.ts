// Stop strings over streamed text: holds back any tail that could start a stop string spanning
// later deltas, so no emitted text ever contains part of a stop string.
export interface StopSequenceResult {
  /** Text safe to show now (never contains any part of a matched stop string). */
  emit: string;
  /** True once a stop string matched; later pushes emit nothing. */
  stopped: boolean;
}

export class StopSequenceMatcher {
  private readonly stops: string[];
  /** Text received but not yet emitted: always shorter than the longest stop string. */
  private held = "";
  private matched: string | undefined;

  /** @param stops stop strings; empty ones are ignored (they would match before any text). */
  constructor(stops: readonly string[]) {
    this.stops = [...new Set(stops.filter((stop) => stop.length > 0))];
  }

  get stopped(): boolean {
    return this.matched !== undefined;
  }

  /** The stop string that ended generation, if any. */
  get matchedStop(): string | undefined {
    return this.matched;
  }

  push(delta: string): StopSequenceResult {
    if (this.matched !== undefined) return { emit: "", stopped: true };
    if (this.stops.length === 0) return { emit: delta, stopped: false };
    const text = this.held + delta;

    // Earliest match wins. Searching held + delta is enough: emitted text never ends with a
    // prefix of a stop string, so no match can begin before the held tail.
    let matchAt = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at !== -1 && (matchAt === -1 || at < matchAt)) {
        matchAt = at;
        this.matched = stop;
      }
    }
    if (matchAt !== -1) {
      this.held = "";
      return { emit: text.slice(0, matchAt), stopped: true };
    }

    const holdLength = this.longestStopPrefixSuffix(text);
    this.held = text.slice(text.length - holdLength);
    return { emit: text.slice(0, text.length - holdLength), stopped: false };
  }

  /** End of generation: releases the held tail (it can no longer grow into a stop string). */
  flush(): string {
    const rest = this.matched === undefined ? this.held : "";
    this.held = "";
    return rest;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  private longestStopPrefixSuffix(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (endsWithPrefix(text, stop, length)) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}

/** Whether `text` ends with the first `length` code units of `stop` (no substring allocation). */
function endsWithPrefix(text: string, stop: string, length: number): boolean {
  const start = text.length - length;
  for (let j = 0; j < length; j++) {
    if (text.charCodeAt(start + j) !== stop.charCodeAt(j)) return false;
  }
  return true;
}
