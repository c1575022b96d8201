// The result sink on the store: reads the row and applies each transition through the job
// lifecycle (row, then stream, webhooks, wake-up). Used by store-backed workers and by the API's
// internal results route on behalf of GENQ_RESULT_SINK=http workers.
import type { ErrorCode } from "../errors.ts";
import type { JobLifecycle } from "../job-lifecycle.ts";
import type { JobResult, JobStore } from "../store/job-store.ts";
import type { JobRow } from "../store/schema/jobs.ts";
import type { ExpiryCode, ResultSink } from "./result-sink.ts";

export class StoreResultSink implements ResultSink {
  constructor(
    private readonly jobs: JobStore,
    private readonly lifecycle: JobLifecycle,
    private readonly now: () => number = Date.now,
  ) {}

  read(id: string): Promise<JobRow | undefined> {
    return this.jobs.get(id);
  }

  start(id: string): Promise<JobRow | undefined> {
    return this.lifecycle.start(id);
  }

  countEngineRun(id: string): Promise<number> {
    return this.jobs.countEngineRun(id, this.now());
  }

  complete(id: string, result: JobResult): Promise<JobRow | undefined> {
    return this.lifecycle.complete(id, result);
  }

  fail(id: string, code: ErrorCode, message: string): Promise<JobRow | undefined> {
    return this.lifecycle.fail(id, code, message);
  }

  expire(id: string, code: ExpiryCode, message: string, partial?: Omit<JobResult, "finishReason">): Promise<JobRow | undefined> {
    return this.lifecycle.expire(id, code, message, partial);
  }

  handBack(id: string, runEndedCleanly: boolean): Promise<JobRow | undefined> {
    return this.lifecycle.handBack(id, runEndedCleanly);
  }

  delta(id: string, text: string, tokens: number): void {
    this.lifecycle.delta(id, text, tokens);
  }
}
