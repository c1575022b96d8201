// Engine-run bookkeeping on job rows, for poison-job detection: a run is counted when the engine
// starts it (a SIGKILLed process cannot count afterwards) and taken back when it is handed back
// cleanly; plus the one backwards transition, running -> queued, for hand-backs.
import { and, eq, sql } from "drizzle-orm";
import type { GenqDatabase } from "./client.ts";
import { jobs } from "./schema/jobs.ts";

export class JobRuns {
  constructor(private readonly db: GenqDatabase) {}

  /** The engine started the job. Returns the new count. */
  countStart(id: string, nowMs: number): number {
    const row = this.db
      .update(jobs)
      .set({ engineRuns: sql`${jobs.engineRuns} + 1`, updatedAt: nowMs })
      .where(and(eq(jobs.id, id), eq(jobs.status, "running")))
      .returning({ engineRuns: jobs.engineRuns })
      .get();
    return row?.engineRuns ?? 0;
  }

  /**
   * Puts a running job back to `queued` (shutdown hand-back or engine crash). `runEndedCleanly`
   * takes back the run counted at start (a shutdown is not the job's fault).
   */
  handBack(id: string, runEndedCleanly: boolean, nowMs: number): boolean {
    const result = this.db
      .update(jobs)
      .set({
        status: "queued",
        engineRuns: runEndedCleanly ? sql`max(${jobs.engineRuns} - 1, 0)` : jobs.engineRuns,
        version: sql`${jobs.version} + 1`,
        updatedAt: nowMs,
      })
      .where(and(eq(jobs.id, id), eq(jobs.status, "running")))
      .run();
    return result.changes === 1;
  }
}
