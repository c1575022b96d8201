// The BullMQ processor for one generation job. Idempotent (invariant 3): a terminal row is
// acknowledged without running; results are written only onto non-terminal rows (invariant 4).
import type { Job } from "bullmq";
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

  return async (job: Job<GenerateJobPayload>): Promise<string> => {
    const id = job.data.jobId;
    const row = deps.store.get(id);
    if (!row) return "unknown";
    if (isTerminal(row.status)) return "already-terminal";
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
    const input = JSON.parse(row.input) as JobInput;
    const outcome = await deps.inference.generate(
      {
        id,
        model: row.model,
        promptIds: card.promptIds(input),
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
        responseFormat: params.responseFormat,
      },
      { onDelta: (text, tokens) => deps.onDelta?.(id, text, tokens) },
    );

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
