// Follows one job's Redis Stream for a live answer (SSE events, OpenAI chunks): hands each entry
// over in stream order until the terminal status entry, the client leaving, or the server closing.
// Every row transition writes its status entry (shared/job-lifecycle.ts), so the stream alone
// tells when the job ended; reading from "0-0" also catches an end written before we subscribed.
import type { AppDeps } from "../../app-deps.ts";
import { isTerminalStatus } from "../../../shared/store/schema/jobs.ts";
import type { JobStreamEntry } from "../../../shared/streams/job-stream-reader.ts";

export interface FollowOptions {
  /** Exclusive: entries after this id ("0-0" = from the start). */
  afterId: string;
  /** Aborts when the client leaves. */
  signal: AbortSignal;
  /** Called for every entry, one at a time, in order; a rejection ends the follow. */
  onEntry(entry: JobStreamEntry): Promise<void>;
  /** Called every deps.limits.sseKeepAliveMs while the job is quiet (proxies close idle streams). */
  keepAlive(): Promise<void>;
}

/** Resolves "ended" after the terminal status entry was handed over, "left" when it stopped earlier. */
export async function followJobStream(deps: AppDeps, jobId: string, options: FollowOptions): Promise<"ended" | "left"> {
  let finish!: (outcome: "ended" | "left") => void;
  const finished = new Promise<"ended" | "left">((resolve) => (finish = resolve));
  let done = false;
  const end = (outcome: "ended" | "left") => {
    if (done) return;
    done = true;
    finish(outcome);
  };
  const leave = () => end("left");
  if (options.signal.aborted) return "left";
  options.signal.addEventListener("abort", leave, { once: true });

  // Handovers are chained so entries leave in stream order even though they arrive in batches.
  let handing = Promise.resolve();
  const unsubscribe = deps.streams.subscribe(jobId, options.afterId, (entries: JobStreamEntry[]) => {
    handing = handing.then(async () => {
      for (const entry of entries) {
        if (done) return;
        await options.onEntry(entry);
        if (entry.type === "status" && isTerminalStatus(statusOf(entry.data))) return end("ended");
      }
    });
    handing.catch(leave);
  });
  const keepAlive = setInterval(() => void options.keepAlive().catch(leave), deps.limits.sseKeepAliveMs);
  try {
    const outcome = await finished;
    await handing.catch(() => {});
    return outcome;
  } finally {
    clearInterval(keepAlive);
    unsubscribe();
    options.signal.removeEventListener("abort", leave);
  }
}

/** The `status` of a status entry's data ("" when unreadable). */
export function statusOf(data: string): string {
  try {
    return (JSON.parse(data) as { status?: string }).status ?? "";
  } catch {
    return "";
  }
}
