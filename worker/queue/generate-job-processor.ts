// The BullMQ processor for one generation job. Idempotent (invariant 3): a terminal row is
// acknowledged without running; results are written only onto non-terminal rows (invariant 4).
// Every row read and change goes through the result sink (the store via the job lifecycle, or the
// API over HTTP), which announces it. The row turns `running` when
// the engine starts the job (the worker holds a lookahead of unstarted jobs); deadlines expire it.
// Invariant 7: a crash hands the job back to the queue; only a job whose engine runs all crashed,
// maxJobRuns times (the last one alone), fails, as POISON_JOB. The job holds its model (residency)
// from before it enters the engine until its outcome; its keep_alive applies once the model is idle.
import { WaitingError, type Job } from "bullmq";
import type { GenerateJobPayload, JobInput, JobParams } from "../../shared/jobs.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";
import type { ResultSink } from "../../shared/result-sink/result-sink.ts";
import { isTerminalStatus } from "../../shared/store/schema/jobs.ts";
import { ResidencyClosedError, type ModelLease, type ModelResidency } from "../residency/model-residency.ts";
import type { AdmissionLookahead } from "./admission-lookahead.ts";
import type { InferenceJobs } from "./inference-jobs.ts";

export interface GenerateJobProcessorDeps {
  /** Where the row is read and every transition is written (GENQ_RESULT_SINK). */
  results: ResultSink;
  inference: InferenceJobs;
  /** Loads the job's model on demand (waiting while the memory budget has no room for it). */
  residency: Pick<ModelResidency, "acquire">;
  models: Map<string, ModelCard>;
  logger: Logger;
  /** Tracks the unstarted jobs this worker holds (urgent work may displace them). */
  lookahead?: AdmissionLookahead;
  now?: () => number;
  /** GENQ_MAX_JOB_RUNS: engine runs (each ended by a crash) after which a job is a poison job. */
  maxJobRuns: number;
}

export type ProcessorOutcome = "unknown" | "already-terminal" | "failed" | "canceled" | "finished" | "expired" | "poison";

const QUEUE_TIMEOUT_MESSAGE = "the job was not started within max_queue_seconds";

export function createGenerateJobProcessor(deps: GenerateJobProcessorDeps) {
  const { results } = deps;
  const now = deps.now ?? Date.now;

  /** Back to `queued` in the row and to `wait` in BullMQ at once (not after the lock expires). */
  const handBack = async (job: Job<GenerateJobPayload>, token: string | undefined, runEndedCleanly: boolean): Promise<never> => {
    await results.handBack(job.data.jobId, runEndedCleanly);
    await job.moveToWait(token);
    throw new WaitingError();
  };

  return async (job: Job<GenerateJobPayload>, token?: string): Promise<ProcessorOutcome> => {
    const id = job.data.jobId;
    const row = await results.read(id);
    if (!row) return "unknown";
    if (isTerminalStatus(row.status)) return "already-terminal";
    if (row.status === "queued" && row.queueDeadlineAt !== null && row.queueDeadlineAt <= now()) {
      await results.expire(id, "QUEUE_TIMEOUT", QUEUE_TIMEOUT_MESSAGE);
      return "expired";
    }
    if (row.engineRuns >= deps.maxJobRuns) {
      const message = `the engine crashed in each of this job's ${row.engineRuns} runs (the last one alone); it is not run again`;
      deps.logger.warn("poison job failed", { jobId: id, engineRuns: row.engineRuns });
      await results.fail(id, "POISON_JOB", message);
      return "poison";
    }

    const card = deps.models.get(row.model);
    if (!card) {
      await results.fail(id, "UNKNOWN_MODEL", `model ${row.model} is not served by this worker`);
      return "failed";
    }
    if (row.cancelRequested) {
      await results.complete(id, { outputText: "", finishReason: "canceled", promptTokens: row.promptTokens, completionTokens: 0 });
      return "canceled";
    }

    const params = JSON.parse(row.params) as JobParams;
    let promptIds: number[];
    try {
      promptIds = card.promptIds(JSON.parse(row.input) as JobInput);
    } catch (error) {
      await results.fail(id, "ENGINE_ERROR", `the prompt could not be rendered: ${(error as Error).message}`);
      return "failed";
    }
    let lease: ModelLease;
    try {
      lease = await deps.residency.acquire(row.model);
    } catch (error) {
      if (error instanceof ResidencyClosedError) {
        // Shutting down before the model was ready: back to the queue unchanged, no attempt spent.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      await results.fail(id, "ENGINE_ERROR", (error as Error).message);
      return "failed";
    }
    let notRunnable = false;
    let timedOut = false;
    let runTimer: NodeJS.Timeout | undefined;
    const onStarted = async () => {
      deps.lookahead?.started(id);
      // Terminal meanwhile (canceled, expired by the sweeper) or past its queue deadline: stop it.
      const started = await results.start(id);
      if (!started) {
        notRunnable = true;
        deps.inference.cancel(id);
        return;
      }
      // Counted once the row is running, before the run can crash the process; a failed count only
      // weakens poison detection.
      await results.countEngineRun(id).catch((error) => deps.logger.warn("could not count an engine run", { jobId: id, error }));
      if (started.runTimeoutMs !== null && started.startedAt !== null) {
        runTimer = setTimeout(
          () => {
            timedOut = true;
            deps.inference.cancel(id);
          },
          Math.max(0, started.startedAt + started.runTimeoutMs - now()),
        );
      }
    };
    deps.lookahead?.hold(id, row.model, job.opts.priority ?? 0);
    let starting: Promise<void> = Promise.resolve();
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
          responseFormat: params.responseFormat,
          exclusive: row.engineRuns >= deps.maxJobRuns - 1,
        },
        { onStarted: () => void (starting = onStarted()), onDelta: (text, tokens) => results.delta(id, text, tokens) },
      )
      .finally(() => {
        deps.lookahead?.release(id);
        lease(params.keepAliveMs);
      });
    // The `running` write must land before the result is written.
    await starting;
    clearTimeout(runTimer);
    if (outcome.kind === "handed-back") return handBack(job, token, outcome.started);
    if (outcome.kind === "crashed") {
      deps.logger.warn("engine crashed with the job in flight; handing it back", { jobId: id, error: outcome.message });
      return handBack(job, token, false);
    }

    if (outcome.kind === "withdrawn") {
      // Handed back unstarted for more urgent work: back to the queue with its priority, no attempt spent.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (notRunnable) {
      const fresh = await results.read(id);
      if (fresh?.status !== "queued") return "already-terminal";
      await results.expire(id, "QUEUE_TIMEOUT", QUEUE_TIMEOUT_MESSAGE);
      return "expired";
    }
    const expired = outcome.kind === "finished" && timedOut && outcome.finishReason === "canceled";
    const written = expired
      ? await results.expire(id, "RUN_TIMEOUT", "the job ran longer than timeout_seconds", {
          outputText: outcome.text,
          promptTokens: outcome.promptTokens,
          completionTokens: outcome.completionTokens,
        })
      : outcome.kind === "finished"
        ? await results.complete(id, {
            outputText: outcome.text,
            finishReason: outcome.finishReason,
            promptTokens: outcome.promptTokens,
            completionTokens: outcome.completionTokens,
          })
        : await results.fail(id, outcome.code, outcome.message);
    if (!written) deps.logger.info("result dropped: row already terminal", { jobId: id });
    return expired ? "expired" : outcome.kind;
  };
}
