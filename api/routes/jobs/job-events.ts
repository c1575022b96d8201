// GET /v1/jobs/:id/events — Server-Sent Events: `status` events (the job object) and `delta`
// events (new text) from the job's Redis Stream, whose ids are the SSE ids, so Last-Event-ID
// resumes exactly. Ends after the terminal status; a finished job replays its final state.
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../../app-env.ts";
import type { JobStreamsPort } from "../../delivery-ports.ts";
import { GenqError } from "../../../shared/errors.ts";
import { jobSummary } from "../../../shared/job-summary.ts";
import { compareStreamIds, isStreamId, type JobStreamEntry } from "../../../shared/queue/job-stream-reader.ts";
import { findJobOr404 } from "./find-job.ts";
import { isTerminalRow } from "./job-object.ts";
import { holdWaiterSlot } from "./waiter-slot.ts";

const TERMINAL = new Set(["succeeded", "failed", "canceled", "expired"]);
/** How long one wait on the event bus lasts before the row is re-read anyway. */
const ROW_RECHECK_MS = 30_000;

export function jobEventsHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const row = findJobOr404(deps, c);
    const streams = deps.delivery?.streams;
    if (!streams) throw new GenqError("ROUTE_NOT_FOUND", "event streams are not available on this deployment");
    const lastEventId = parseLastEventId(c.req.header("last-event-id") ?? c.req.query("last_event_id"));
    if (isTerminalRow(row)) {
      const terminalId = await streams.ensureTerminal(row);
      // Already saw the end: 204 tells EventSource to stop reconnecting.
      if (lastEventId && compareStreamIds(lastEventId, terminalId) >= 0) return c.body(null, 204);
    }
    // A finished job's stream replays and ends at once: only live streams take a slot.
    const release = isTerminalRow(row) ? () => {} : await holdWaiterSlot(deps, c.get("tenantId"));
    c.header("x-accel-buffering", "no");
    return streamSSE(c, async (stream) => {
      try {
        if (!lastEventId) await stream.writeSSE({ event: "status", data: JSON.stringify({ ...jobSummary(row), attempt: row.attempts }) });
        await pump(deps, streams, stream, row.id, lastEventId ?? "0-0", c.req.raw.signal);
      } finally {
        release();
      }
    });
  };
}

/** Forwards stream entries until the terminal status, the client leaves, or the server closes. */
async function pump(deps: AppDeps, streams: JobStreamsPort, stream: SSEStreamingApi, jobId: string, afterId: string, signal: AbortSignal) {
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
  const unsubscribe = streams.subscribe(jobId, afterId, (entries: JobStreamEntry[]) => {
    writing = writing.then(async () => {
      for (const entry of entries) {
        if (done) return;
        await stream.writeSSE({ id: entry.id, event: entry.type, data: entry.data });
        if (entry.type === "status" && TERMINAL.has(statusOf(entry.data))) return end();
      }
    });
    writing.catch(end);
  });
  const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n").catch(end), streams.keepAliveMs);
  void watchForTerminalRow(deps, streams, jobId, finished).catch(() => {});
  try {
    await finished;
    await writing.catch(() => {});
  } finally {
    clearInterval(keepAlive);
    unsubscribe();
  }
}

/**
 * Paths that finish a row without writing the stream (a queued job canceled, the reconciler
 * failing a job) are noticed on the event bus; the terminal event is then written from the row.
 */
async function watchForTerminalRow(deps: AppDeps, streams: JobStreamsPort, jobId: string, finished: Promise<void>) {
  let over = false;
  void finished.then(() => (over = true));
  while (!over) {
    // Register first, then read: a change between the two is never missed.
    const waiter = deps.events.waitForChange(jobId, ROW_RECHECK_MS);
    const row = deps.store.get(jobId);
    if (row && isTerminalRow(row)) {
      waiter.dispose();
      await streams.ensureTerminal(row);
      return;
    }
    await Promise.race([waiter.changed, finished]);
    waiter.dispose();
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
