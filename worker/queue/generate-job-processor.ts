// The BullMQ processor for one generation job. Idempotent (invariant 3): a terminal row is
// acknowledged without running; results are written only onto non-terminal rows (invariant 4).
// Invariant 7: a crash hands the job back to the queue; only a job whose engine runs all crashed,
// maxJobRuns times (the last one alone), fails, as POISON_JOB.
import { WaitingError, type Job } from "bullmq";
import type { JobRuns } from "../../shared/db/job-runs.ts";
import type { JobStore } from "../../shared/db/job-store.ts";
import type { JobRow } from "../../shared/db/schema/jobs.ts";
import { isTerminal } from "../../shared/db/job-store.ts";
import type { JobEventBus } from "../../shared/queue/job-event-bus.ts";
import type { GenerateJobPayload, JobInput, JobParams } from "../../shared/jobs.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";
import type { InferenceJobs } from "./inference-jobs.ts";

export interface GenerateJobProcessorDeps {
  store: JobStore;
  events: JobEventBus;
  inference: InferenceJobs;
  runs: JobRuns;
  /** GENQ_MAX_JOB_RUNS: engine runs (each ended by a crash) after which a job is a poison job. */
  maxJobRuns: number;
  models: Map<string, ModelCard>;
  logger: Logger;
  /** Optional hooks for streaming/webhooks: called after the row changed. */
  onDelta?: (jobId: string, text: string, tokens: number) => void;
  /** Called with the fresh row after each change, before it is announced (streams, webhooks); must not throw. */
  onChanged?: (row: JobRow) => Promise<void>;
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

  /** Back to `queued` in the row and to `wait` in BullMQ at once (not after the lock expires). */
  const handBack = async (job: Job<GenerateJobPayload>, token: string | undefined, runEndedCleanly: boolean): Promise<never> => {
    deps.runs.handBack(job.data.jobId, runEndedCleanly, now());
    await announce(job.data.jobId);
    await job.moveToWait(token);
    throw new WaitingError();
  };

  return async (job: Job<GenerateJobPayload>, token?: string): Promise<string> => {
    const id = job.data.jobId;
    const row = deps.store.get(id);
    if (!row) return "unknown";
    if (isTerminal(row.status)) return "already-terminal";
    if (row.engineRuns >= deps.maxJobRuns) {
      const message = `the engine crashed in each of this job's ${row.engineRuns} runs (the last one alone); it is not run again`;
      deps.store.fail(id, "POISON_JOB", message, now());
      deps.logger.warn("poison job failed", { jobId: id, engineRuns: row.engineRuns });
      await announce(id);
      return "poison";
    }
    if (!deps.store.markRunning(id, now())) return "already-terminal";
    await announce(id);

    const card = deps.models.get(row.model);
    if (!card) {
      deps.store.fail(id, "UNKNOWN_MODEL", `model ${row.model} is not served by this worker`, now());
      await announce(id);
      return "failed";
    }
    if (deps.store.get(id)?.cancelRequested) {
      deps.store.complete(id, { outputText: "", finishReason: "canceled", promptTokens: row.promptTokens, completionTokens: 0 }, now());
      await announce(id);
      return "canceled";
    }

    const params = JSON.parse(row.params) as JobParams;
    let promptIds: number[];
    try {
      promptIds = card.promptIds(JSON.parse(row.input) as JobInput);
    } catch (error) {
      deps.store.fail(id, "ENGINE_ERROR", `the prompt could not be rendered: ${(error as Error).message}`, now());
      await announce(id);
      return "failed";
    }
    const outcome = await deps.inference.generate(
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
        exclusive: row.engineRuns >= deps.maxJobRuns - 1,
      },
      {
        onStarted: () => {
          try {
            deps.runs.countStart(id, now());
          } catch (error) {
            // Runs in the thread's message handler: a throw here would take the process down.
            deps.logger.warn("could not count an engine run", { jobId: id, error });
          }
        },
        onDelta: (text, tokens) => deps.onDelta?.(id, text, tokens),
      },
    );
    if (outcome.kind === "handed-back") return handBack(job, token, outcome.started);
    if (outcome.kind === "crashed") {
      deps.logger.warn("engine crashed with the job in flight; handing it back", { jobId: id, error: outcome.message });
      return handBack(job, token, false);
    }

    const written =
      outcome.kind === "finished"
        ? deps.store.complete(
            id,
            {
              outputText: outcome.text,
              finishReason: outcome.finishReason,
              promptTokens: outcome.promptTokens,
              completionTokens: outcome.completionTokens,
            },
            now(),
          )
        : deps.store.fail(id, outcome.code, outcome.message, now());
    if (!written) deps.logger.info("result dropped: row already terminal", { jobId: id });
    await announce(id);
    return outcome.kind;
  };
}
