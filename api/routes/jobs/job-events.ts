// GET /v1/jobs/:id/events — Server-Sent Events: `status` events (the job object) and `delta`
// events (new text) from the job's Redis Stream, whose ids are the SSE ids, so Last-Event-ID
// resumes exactly. Ends after the terminal status; a finished job replays its final state.
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { jobSummary } from "../../../shared/job-summary.ts";
import { isTerminalStatus } from "../../../shared/store/schema/jobs.ts";
import { compareStreamIds, isStreamId, type JobStreamEntry } from "../../../shared/streams/job-stream-reader.ts";
import { holdWaiterSlot } from "./waiter-slot.ts";
import { findJobOr404 } from "./find-job.ts";

export function jobEventsHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const row = await findJobOr404(deps, c);
    const lastEventId = parseLastEventId(c.req.header("last-event-id") ?? c.req.query("last_event_id"));
    if (isTerminalStatus(row.status)) {
      const terminalId = await deps.lifecycle.ensureTerminalEvent(row);
      // Already saw the end: 204 tells EventSource to stop reconnecting.
      if (lastEventId && compareStreamIds(lastEventId, terminalId) >= 0) return c.body(null, 204);
    }
    // A finished job's stream replays and ends at once: only live streams take a slot.
    const release = isTerminalStatus(row.status) ? () => {} : await holdWaiterSlot(deps, c.get("tenantId"));
    c.header("x-accel-buffering", "no");
    return streamSSE(c, async (stream) => {
      try {
        if (!lastEventId) await stream.writeSSE({ event: "status", data: JSON.stringify({ ...jobSummary(row), attempt: row.attempts }) });
        await pump(deps, stream, row.id, lastEventId ?? "0-0", c.req.raw.signal);
      } finally {
        release();
      }
    });
  };
}

/**
 * Forwards stream entries until the terminal status, the client leaves, or the server closes.
 * Every row transition writes its status event (shared/job-lifecycle.ts), so the stream alone
 * tells when the job ended; reading from "0-0" also catches an end written before we subscribed.
 */
async function pump(deps: AppDeps, stream: SSEStreamingApi, jobId: string, afterId: string, signal: AbortSignal) {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    finish();
  };
  stream.onAbort(end);
  signal.addEventListener("abort", end, { once: true });

  // Writes are chained so events leave in stream order even though entries arrive in batches.
  let writing = Promise.resolve();
  const unsubscribe = deps.streams.subscribe(
    jobId,
    afterId,
    (entries: JobStreamEntry[]) => {
      writing = writing.then(async () => {
        for (const entry of entries) {
          if (done) return;
          await stream.writeSSE({ id: entry.id, event: entry.type, data: entry.data });
          if (entry.type === "status" && isTerminalStatus(statusOf(entry.data))) return end();
        }
      });
      writing.catch(end);
    },
    // A source that cannot stay open (Workers) closes with a retry hint; EventSource reconnects
    // with Last-Event-ID and resumes where this response stopped.
    (retryMs) => {
      writing = writing.then(async () => {
        if (!done) await stream.write(`retry: ${retryMs}\n\n`);
        end();
      });
      writing.catch(end);
    },
  );
  const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n").catch(end), deps.limits.sseKeepAliveMs);
  try {
    await finished;
    await writing.catch(() => {});
  } finally {
    clearInterval(keepAlive);
    unsubscribe();
  }
}

function statusOf(data: string): string {
  try {
    return (JSON.parse(data) as { status?: string }).status ?? "";
  } catch {
    return "";
  }
}

function parseLastEventId(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!isStreamId(value)) {
    throw new GenqError("VALIDATION_FAILED", "Last-Event-ID must be an event id from this stream (<ms>-<seq>)", {
      errors: [{ field: "Last-Event-ID", message: "expected <ms>-<seq>" }],
    });
  }
  return value;
}
