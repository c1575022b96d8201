// A job's text as its stream tells it, for a client that cannot take text back: deltas restart
// when a new attempt begins (a crashed worker's job runs again), so only text beyond what the
// client already has is handed out.
import type { JobStreamEntry } from "../../../shared/streams/job-stream-reader.ts";

export class StreamedText {
  private attempt = 0;
  private attemptText = "";
  private sent = "";

  /** The text this entry adds for the client ("" when none). */
  take(entry: JobStreamEntry): string {
    const data = parse(entry.data);
    if (entry.type === "status") {
      const attempt = typeof data.attempt === "number" ? data.attempt : this.attempt;
      if (attempt !== this.attempt) {
        this.attempt = attempt;
        this.attemptText = "";
      }
      return "";
    }
    this.attemptText += typeof data.text === "string" ? data.text : "";
    return this.advance(this.attemptText);
  }

  /** What the job's final text adds beyond what was sent ("" when nothing, or when it does not continue it). */
  rest(finalText: string): string {
    return this.advance(finalText);
  }

  /** Everything handed out so far. */
  get text(): string {
    return this.sent;
  }

  private advance(text: string): string {
    if (text.length <= this.sent.length || !text.startsWith(this.sent)) return "";
    const fresh = text.slice(this.sent.length);
    this.sent = text;
    return fresh;
  }
}

function parse(data: string): Record<string, unknown> {
  try {
    return JSON.parse(data) as Record<string, unknown>;
  } catch {
    return {};
  }
}
