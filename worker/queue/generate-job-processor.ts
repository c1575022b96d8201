// The BullMQ processor for one generation job. Idempotent (invariant 3): a terminal row is
// acknowledged without running; results are written only onto non-terminal rows (invariant 4).
// Every row change goes through the job lifecycle, which announces it.
import type { Job } from "bullmq";
import type { JobLifecycle } from "../../shared/job-lifecycle.ts";
import type { GenerateJobPayload, JobInput, JobParams } from "../../shared/jobs.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";
import type { JobStore } from "../../shared/store/job-store.ts";
import { isTerminalStatus } from "../../shared/store/schema/jobs.ts";
import type { InferenceJobs } from "./inference-jobs.ts";

export interface GenerateJobProcessorDeps {
  jobs: JobStore;
  lifecycle: JobLifecycle;
  inference: InferenceJobs;
  models: Map<string, ModelCard>;
  logger: Logger;
}

export type ProcessorOutcome = "unknown" | "already-terminal" | "failed" | "canceled" | "finished";

export function createGenerateJobProcessor(deps: GenerateJobProcessorDeps) {
  const { jobs, lifecycle } = deps;
  return async (job: Job<GenerateJobPayload>): Promise<ProcessorOutcome> => {
    const id = job.data.jobId;
    const stored = await jobs.get(id);
    if (!stored) return "unknown";
    if (isTerminalStatus(stored.status)) return "already-terminal";
    const row = await lifecycle.start(id);
    if (!row) return "already-terminal";

    const card = deps.models.get(row.model);
    if (!card) {
      await lifecycle.fail(id, "UNKNOWN_MODEL", `model ${row.model} is not served by this worker`);
      return "failed";
    }
    if (row.cancelRequested) {
      await lifecycle.complete(id, { outputText: "", finishReason: "canceled", promptTokens: row.promptTokens, completionTokens: 0 });
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
      { onDelta: (text, tokens) => lifecycle.delta(id, text, tokens) },
    );

    const written =
      outcome.kind === "finished"
        ? await lifecycle.complete(id, {
            outputText: outcome.text,
            finishReason: outcome.finishReason,
            promptTokens: outcome.promptTokens,
            completionTokens: outcome.completionTokens,
          })
        : await lifecycle.fail(id, outcome.code, outcome.message);
    if (!written) deps.logger.info("result dropped: row already terminal", { jobId: id });
    return outcome.kind;
  };
}
