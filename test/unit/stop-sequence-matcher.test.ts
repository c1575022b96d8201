// StopSequenceMatcher: stop strings split across deltas are caught, held text is released when it
// cannot match, and no part of a stop string is ever emitted.
import { describe, expect, it } from "vitest";
import { StopSequenceMatcher } from "../../worker/sampling/stop-sequence-matcher.ts";

/** Feeds deltas in order; returns what was emitted (flush included when not stopped) and whether it stopped. */
function run(stops: string[], deltas: string[]): { text: string; stopped: boolean; emits: string[] } {
  const matcher = new StopSequenceMatcher(stops);
  const emits: string[] = [];
  for (const delta of deltas) {
    const result = matcher.push(delta);
    emits.push(result.emit);
    if (result.stopped) return { text: emits.join(""), stopped: true, emits };
  }
  emits.push(matcher.flush());
  return { text: emits.join(""), stopped: false, emits };
}

describe("StopSequenceMatcher", () => {
  it("catches a stop string split across deltas and emits only the text before it", () => {
    const result = run(["lo w"], ["Hel", "lo wor", "ld"]);
    expect(result.stopped).toBe(true);
    expect(result.text).toBe("Hel");
    // The trailing "l" of "Hel" could start "lo w", so it is held until the next delta.
    expect(result.emits).toEqual(["He", "l"]);
  });

  it("holds back a possible beginning of a stop string, and releases it when it cannot match", () => {
    const matcher = new StopSequenceMatcher(["</answer>"]);
    expect(matcher.push("x </ans")).toEqual({ emit: "x ", stopped: false });
    expect(matcher.push("wer")).toEqual({ emit: "", stopped: false });
    expect(matcher.push("s!")).toEqual({ emit: "</answers!", stopped: false });
    expect(matcher.flush()).toBe("");
  });

  it("matches a stop string that arrives one character per delta", () => {
    const result = run(["STOP"], [..."abcSTOPdef"]);
    expect(result).toMatchObject({ text: "abc", stopped: true });
    expect(result.emits.join("")).not.toContain("S");
  });

  it("with several stop strings, the earliest match wins", () => {
    expect(run(["world", "lo"], ["Hello world"])).toMatchObject({ text: "Hel", stopped: true });
    expect(run(["\n\n", "User:"], ["Sure.", "\nUs", "er: hi\n\n"])).toMatchObject({ text: "Sure.\n", stopped: true });
    // The longer stop's prefix is held even while a shorter one is also pending.
    expect(run(["abcd", "bx"], ["ab", "c", "x"])).toMatchObject({ text: "abcx", stopped: false });
    expect(run(["abcd", "bx"], ["ab", "x"])).toMatchObject({ text: "a", stopped: true });
  });

  it("stops at the very start with nothing emitted", () => {
    const result = run(["###"], ["##", "# title"]);
    expect(result).toEqual({ text: "", stopped: true, emits: ["", ""] });
    expect(run(["Hi"], ["Hi there"])).toEqual({ text: "", stopped: true, emits: [""] });
  });

  it("stays stopped: later pushes and flush emit nothing", () => {
    const matcher = new StopSequenceMatcher(["."]);
    expect(matcher.push("One. Two")).toEqual({ emit: "One", stopped: true });
    expect(matcher.stopped).toBe(true);
    expect(matcher.matchedStop).toBe(".");
    expect(matcher.push("more")).toEqual({ emit: "", stopped: true });
    expect(matcher.flush()).toBe("");
  });

  it("flush releases held text at the end of generation", () => {
    const matcher = new StopSequenceMatcher(["<|end|>"]);
    expect(matcher.push("done <|e")).toEqual({ emit: "done ", stopped: false });
    expect(matcher.flush()).toBe("<|e");
    expect(matcher.flush()).toBe("");
  });

  it("passes text straight through without stop strings (empty ones ignored)", () => {
    expect(run([], ["a", "b"])).toEqual({ text: "ab", stopped: false, emits: ["a", "b", ""] });
    expect(run([""], ["a", "b"])).toEqual({ text: "ab", stopped: false, emits: ["a", "b", ""] });
  });

  it("never emits any part of a stop string, whatever the delta boundaries (exhaustive splits)", () => {
    const text = "say lo w then lo world";
    const stops = ["lo wo", "zz"];
    const expected = text.slice(0, text.indexOf("lo wo"));
    // Every way of cutting the text into deltas at up to three points.
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b += 2) {
        for (let c = b; c <= text.length; c += 3) {
          const deltas = [text.slice(0, a), text.slice(a, b), text.slice(b, c), text.slice(c)];
          const result = run(stops, deltas);
          expect(result).toMatchObject({ text: expected, stopped: true });
        }
      }
    }
  });

  it("keeps surrogate pairs whole when a stop string starts with an emoji", () => {
    expect(run(["😀!"], ["a😀", "b😀", "!c"])).toMatchObject({ text: "a😀b", stopped: true });
    expect(run(["😀!"], ["a😀"])).toEqual({ text: "a😀", stopped: false, emits: ["a", "😀"] });
  });
});
