// `stream: true`: the job's token stream as OpenAI chunk SSE — `data: {chunk}` lines (the role
// first, then text deltas, then finish_reason, then usage when asked), ending in `data: [DONE]`.
// A job that ends without a completion sends `data: {"error": …}` instead, as OpenAI does.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { OpenAiChunks } from "../../../shared/openai/openai-chunks.ts";
import { jobOutcomeError, openAiError } from "../../../shared/openai/openai-error.ts";
import type { OpenAiJobRequest } from "../../../shared/openai/openai-job-request.ts";
import { isTerminalStatus } from "../../../shared/store/schema/jobs.ts";
import { followJobStream } from "../jobs/follow-job-stream.ts";
import type { Submission } from "../jobs/submit-job.ts";
import { cancelAbandoned } from "./cancel-abandoned.ts";
import { StreamedText } from "./streamed-text.ts";

export interface StreamedCompletion {
  request: OpenAiJobRequest;
  submission: Submission;
  /** Frees the tenant's waiter slot once the stream ends. */
  release: () => void;
}

export function streamCompletion(c: Context<AppEnv>, deps: AppDeps, { request, submission, release }: StreamedCompletion): Response {
  const jobId = submission.row.id;
  const chunks = new OpenAiChunks(request.endpoint, submission.row, request.includeUsage);
  c.header("x-accel-buffering", "no");
  return streamSSE(c, async (stream) => {
    const left = new AbortController();
    stream.onAbort(() => left.abort());
    c.req.raw.signal.addEventListener("abort", () => left.abort(), { once: true });
    const send = (payload: unknown) => stream.writeSSE({ data: typeof payload === "string" ? payload : JSON.stringify(payload) });
    let answered = false;
    try {
      // A replayed request's job may have finished long ago, its stream expired: write its end again.
      if (isTerminalStatus(submission.row.status)) await deps.lifecycle.ensureTerminalEvent(submission.row);
      const opening = chunks.opening();
      if (opening) await send(opening);
      const text = new StreamedText();
      const outcome = await followJobStream(deps, jobId, {
        afterId: "0-0",
        signal: left.signal,
        onEntry: async (entry) => {
          const fresh = text.take(entry);
          if (fresh) await send(chunks.text(fresh));
        },
        keepAlive: () => stream.write(": keep-alive\n\n").then(() => {}),
      });
      if (outcome === "left") return;
      const row = await deps.store.jobs.get(jobId);
      if (!row || !isTerminalStatus(row.status)) return;
      const error = jobOutcomeError(row);
      if (error) {
        await send(openAiError(error).body);
      } else {
        // The row is the source of truth: whatever the stream missed (trimmed entries) ends the text.
        const rest = text.rest(row.outputText ?? "");
        if (rest) await send(chunks.text(rest));
        for (const chunk of chunks.closing(row)) await send(chunk);
        await send("[DONE]");
      }
      answered = true;
    } finally {
      if (!answered) await cancelAbandoned(deps, submission);
      release();
    }
  }, async (error) => {
    deps.logger.warn("OpenAI completion stream failed", { jobId, error });
  });
}
