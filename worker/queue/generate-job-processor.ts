// The BullMQ processor for one generation job. Idempotent (invariant 3): a terminal row is
// acknowledged without running; results are written only onto non-terminal rows (invariant 4).
// The row turns `running` when the engine starts the job (not when BullMQ hands it over: the worker
// holds a lookahead of unstarted jobs); deadlines expire it (QUEUE_TIMEOUT, RUN_TIMEOUT).
import { WaitingError, type Job } from "bullmq";
import type { JobStore } from "../../shared/db/job-store.ts";
import type { JobRow } from "../../shared/db/schema/jobs.ts";
import { isTerminal } from "../../shared/db/job-store.ts";
import type { JobEventBus } from "../../shared/queue/job-event-bus.ts";
import type { GenerateJobPayload, JobInput, JobParams } from "../../shared/jobs.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";
import type { AdmissionLookahead } from "./admission-lookahead.ts";
import type { InferenceJobs } from "./inference-jobs.ts";

export interface GenerateJobProcessorDeps {
  store: JobStore;
  events: JobEventBus;
  inference: InferenceJobs;
  models: Map<string, ModelCard>;
  logger: Logger;
  /** Optional hooks for streaming/webhooks: called after the row changed. */
  onDelta?: (jobId: string, text: string, tokens: number) => void;
  /** Called with the fresh row after each change, before it is announced (streams, webhooks); must not throw. */
  onChanged?: (row: JobRow) => Promise<void>;
  /** Tracks the unstarted jobs this worker holds (urgent work may displace them). */
  lookahead?: AdmissionLookahead;
  now?: () => number;
}

export function createGenerateJobProcessor(deps: GenerateJobProcessorDeps) {
  const now = deps.now ?? Date.now;
  const announce = async (id: string) => {
    const row = deps.store.get(id);
    if (!row) return;
    await deps.onChanged?.(row);
    await deps.events.publishChanged({ id, status: row.status, version: row.version }).catch(() => {});
  };

  const expireQueued = async (id: string) => {
    const written = deps.store.expire(id, "QUEUE_TIMEOUT", "the job was not started within max_queue_seconds", now());
    if (written) await announce(id);
    return "expired";
  };

  return async (job: Job<GenerateJobPayload>, token?: string): Promise<string> => {
    const id = job.data.jobId;
    const row = deps.store.get(id);
    if (!row) return "unknown";
    if (isTerminal(row.status)) return "already-terminal";
    if (row.status === "queued" && row.queueDeadlineAt !== null && row.queueDeadlineAt <= now()) return expireQueued(id);

    const card = deps.models.get(row.model);
    if (!card) {
      deps.store.fail(id, "UNKNOWN_MODEL", `model ${row.model} is not served by this worker`, now());
      await announce(id);
      return "failed";
    }
    if (row.cancelRequested) {
      deps.store.complete(id, { outputText: "", finishReason: "canceled", promptTokens: row.promptTokens, completionTokens: 0 }, now());
      await announce(id);
      return "canceled";
    }

    const params = JSON.parse(row.params) as JobParams;
    const input = JSON.parse(row.input) as JobInput;
    let notRunnable = false;
    let timedOut = false;
    let runTimer: NodeJS.Timeout | undefined;
    const onStarted = () => {
      deps.lookahead?.started(id);
      // Terminal meanwhile (canceled, expired by the sweeper) or past its queue deadline: stop it.
      if (!deps.store.markRunning(id, now())) {
        notRunnable = true;
        deps.inference.cancel(id);
        return;
      }
      void announce(id);
      const started = deps.store.get(id);
      if (started?.runTimeoutMs != null && started.startedAt !== null) {
        const leftMs = Math.max(0, started.startedAt + started.runTimeoutMs - now());
        runTimer = setTimeout(() => {
          timedOut = true;
          deps.inference.cancel(id);
        }, leftMs);
      }
    };
    const promptIds = card.promptIds(input);
    deps.lookahead?.hold(id, row.model, job.opts.priority ?? 0);
    const outcome = await deps.inference
      .generate(
        {
          id,
          model: row.model,
          promptIds,
          maxTokens: params.maxTokens,
          sampling: {
            temperature: params.temperature,
            topK: params.topK,
            topP: params.topP,
            repetitionPenalty: params.repetitionPenalty,
            seed: params.seed,
          },
          stop: params.stop,
          ignoreEos: params.ignoreEos,
          priority: row.priority,
          queuedAtMs: row.createdAt,
          queueDeadlineMs: row.queueDeadlineAt ?? undefined,
        },
        { onStarted, onDelta: (text, tokens) => deps.onDelta?.(id, text, tokens) },
      )
      .finally(() => {
        clearTimeout(runTimer);
        deps.lookahead?.release(id);
      });

    if (outcome.kind === "withdrawn") {
      // Handed back unstarted for more urgent work: back to the queue with its priority, no attempt spent.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (notRunnable) {
      const fresh = deps.store.get(id);
      if (fresh?.status === "queued") return expireQueued(id);
      return "already-terminal";
    }
    let written: boolean;
    const expired = outcome.kind === "finished" && timedOut && outcome.finishReason === "canceled";
    if (expired) {
      written = deps.store.expire(id, "RUN_TIMEOUT", "the job ran longer than timeout_seconds", now(), {
        outputText: outcome.text,
        promptTokens: outcome.promptTokens,
        completionTokens: outcome.completionTokens,
      });
    } else if (outcome.kind === "finished") {
      written = deps.store.complete(
        id,
        {
          outputText: outcome.text,
          finishReason: outcome.finishReason,
          promptTokens: outcome.promptTokens,
          completionTokens: outcome.completionTokens,
        },
        now(),
      );
    } else {
      written = deps.store.fail(id, outcome.code, outcome.message, now());
    }
    if (!written) deps.logger.info("result dropped: row already terminal", { jobId: id });
    await announce(id);
    return expired ? "expired" : outcome.kind;
  };
}
