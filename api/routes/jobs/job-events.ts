// GET /v1/jobs/:id/events — Server-Sent Events: `status` events (the job object) and `delta`
// events (new text) from the job's Redis Stream, whose ids are the SSE ids, so Last-Event-ID
// resumes exactly. Ends after the terminal status; a finished job replays its final state.
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { jobSummary } from "../../../shared/job-summary.ts";
import { isTerminalStatus } from "../../../shared/store/schema/jobs.ts";
import { compareStreamIds, isStreamId } from "../../../shared/streams/job-stream-reader.ts";
import { followJobStream } from "./follow-job-stream.ts";
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

/** Forwards stream entries until the terminal status, the client leaves, or the server closes. */
async function pump(deps: AppDeps, stream: SSEStreamingApi, jobId: string, afterId: string, signal: AbortSignal) {
  const left = new AbortController();
  stream.onAbort(() => left.abort());
  signal.addEventListener("abort", () => left.abort(), { once: true });
  await followJobStream(deps, jobId, {
    afterId,
    signal: left.signal,
    onEntry: (entry) => stream.writeSSE({ id: entry.id, event: entry.type, data: entry.data }),
    keepAlive: () => stream.write(": keep-alive\n\n").then(() => {}),
  });
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
