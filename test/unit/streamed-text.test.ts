// The text an OpenAI stream hands out from a job's stream entries: a restarted attempt (a worker
// crashed) repeats nothing the client already has, and the final row text closes any gap.
import { describe, expect, it } from "vitest";
import { StreamedText } from "../../api/routes/openai/streamed-text.ts";

const status = (status: string, attempt: number) => ({ id: "1-0", type: "status" as const, data: JSON.stringify({ status, attempt }) });
const delta = (text: string) => ({ id: "1-0", type: "delta" as const, data: JSON.stringify({ text, tokens: 1 }) });

describe("StreamedText", () => {
  it("hands out only new text across a restarted attempt", () => {
    const text = new StreamedText();
    const out = [status("running", 1), delta("Hel"), delta("lo"), status("queued", 1), status("running", 2), delta("He"), delta("llo wo"), delta("rld")].map((e) => text.take(e));
    expect(out).toEqual(["", "Hel", "lo", "", "", "", " wo", "rld"]);
    expect(text.text).toBe("Hello world");
  });

  it("ends with what the row adds, and nothing when the row does not continue the sent text", () => {
    const text = new StreamedText();
    text.take(delta("abc"));
    expect(text.rest("abcdef")).toBe("def");
    expect(text.rest("abcdef")).toBe("");
    expect(text.rest("xyz-longer-text")).toBe("");
  });
});
