// WebhookDeliveryStore on PostgreSQL. Multi-statement steps run in one transaction each; state
// changes are conditional UPDATEs, and a redelivery locks its row (FOR UPDATE) before deciding.
import { and, asc, eq, gt, inArray, isNotNull, lt, lte, sql } from "drizzle-orm";
import { TERMINAL_STATUSES, type JobRow } from "../schema/jobs.ts";
import { jobs } from "../schema/postgres/jobs.ts";
import { webhookAttempts } from "../schema/postgres/webhook-attempts.ts";
import { webhookDeliveries } from "../schema/postgres/webhook-deliveries.ts";
import type { NewWebhookDeliveryRow, WebhookDeliveryRow } from "../schema/webhook-deliveries.ts";
import type { AttemptResult, DeliveryWithAttempts, WebhookDeliveryStore } from "../webhook-delivery-store.ts";
import { first } from "./first-row.ts";
import type { GenqPgDatabase } from "./postgres-database.ts";

export class PostgresWebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(private readonly db: GenqPgDatabase) {}

  async insertIfAbsent(row: NewWebhookDeliveryRow): Promise<WebhookDeliveryRow> {
    await this.db.insert(webhookDeliveries).values(row).onConflictDoNothing();
    return (await this.get(row.id))!;
  }

  async get(id: string): Promise<WebhookDeliveryRow | undefined> {
    return first(this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)));
  }

  async listForJob(jobId: string): Promise<DeliveryWithAttempts[]> {
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.jobId, jobId))
      .orderBy(asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id));
    const attempts = await this.db.select().from(webhookAttempts).where(eq(webhookAttempts.jobId, jobId)).orderBy(asc(webhookAttempts.id));
    return rows.map((row) => ({ ...row, log: attempts.filter((a) => a.deliveryId === row.id) }));
  }

  async beginAttempt(id: string, nowMs: number): Promise<{ attemptId: number; delivery: WebhookDeliveryRow } | undefined> {
    return this.db.transaction(async (tx) => {
      // The UPDATE locks the row until commit: a racing duplicate run waits, then counts its own attempt.
      const [delivery] = await tx
        .update(webhookDeliveries)
        .set({
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          roundAttempts: sql`${webhookDeliveries.roundAttempts} + 1`,
          updatedAt: nowMs,
        })
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")))
        .returning();
      if (!delivery) return undefined;
      await tx
        .update(webhookAttempts)
        .set({ outcome: "interrupted", error: "the delivering worker stopped mid-attempt" })
        .where(and(eq(webhookAttempts.deliveryId, id), eq(webhookAttempts.outcome, "in_progress")));
      const [inserted] = await tx
        .insert(webhookAttempts)
        .values({ deliveryId: id, jobId: delivery.jobId, attempt: delivery.attempts, startedAt: nowMs, outcome: "in_progress" })
        .returning({ id: webhookAttempts.id });
      return { attemptId: inserted.id, delivery };
    });
  }

  async finishAttempt(id: string, attemptId: number, result: AttemptResult, nowMs: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const changed = await tx
        .update(webhookAttempts)
        .set({
          outcome: result.outcome,
          statusCode: result.statusCode,
          latencyMs: result.latencyMs,
          error: result.error,
          nextAttemptAt: result.nextAttemptAt,
        })
        .where(and(eq(webhookAttempts.id, attemptId), eq(webhookAttempts.outcome, "in_progress")))
        .returning({ id: webhookAttempts.id });
      if (changed.length !== 1) return false;
      await tx
        .update(webhookDeliveries)
        .set({
          status: result.status,
          lastStatusCode: result.statusCode,
          lastError: result.error,
          nextAttemptAt: result.nextAttemptAt,
          updatedAt: nowMs,
          ...(result.status === "delivered" ? { deliveredAt: nowMs } : {}),
        })
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")));
      return true;
    });
  }

  async startRound(id: string, nowMs: number, maxRounds: number): Promise<WebhookDeliveryRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).for("update");
      if (!row || row.status === "pending" || row.round >= maxRounds) return undefined;
      const round = row.round + 1;
      const [updated] = await tx
        .update(webhookDeliveries)
        .set({ status: "pending", roundAttempts: 0, round, queueJobId: `${id}.r${round}`, nextAttemptAt: nowMs, updatedAt: nowMs })
        .where(eq(webhookDeliveries.id, id))
        .returning();
      return updated;
    });
  }

  async listOverdue(dueBeforeMs: number, limit: number): Promise<WebhookDeliveryRow[]> {
    return this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, "pending"), lt(webhookDeliveries.nextAttemptAt, dueBeforeMs)))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit);
  }

  async abandon(id: string, reason: string, nowMs: number): Promise<void> {
    await this.db
      .update(webhookDeliveries)
      .set({ status: "failed", lastError: reason, nextAttemptAt: null, updatedAt: nowMs })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")));
  }

  async requeued(id: string, queueJobId: string, nowMs: number): Promise<void> {
    await this.db
      .update(webhookDeliveries)
      .set({ queueJobId, nextAttemptAt: nowMs, updatedAt: nowMs })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")));
  }

  async listJobsMissingTerminalDelivery(sinceMs: number, untilMs: number, limit: number): Promise<JobRow[]> {
    const events = sql`(${jobs.webhook}::jsonb -> 'events')`;
    return this.db
      .select()
      .from(jobs)
      .where(
        and(
          inArray(jobs.status, [...TERMINAL_STATUSES]),
          gt(jobs.updatedAt, sinceMs),
          lte(jobs.updatedAt, untilMs),
          isNotNull(jobs.webhook),
          // No `events` (or JSON null): every event; an array contains its string elements (@>).
          sql`(coalesce(jsonb_typeof(${events}), 'null') = 'null' or ${events} @> to_jsonb('job.' || ${jobs.status}))`,
          // Message ids are msg_<job id>_<status> for terminal events (webhook-events.ts).
          sql`not exists (select 1 from ${webhookDeliveries} d where d.id = 'msg_' || ${jobs.id} || '_' || ${jobs.status})`,
        ),
      )
      .orderBy(jobs.updatedAt)
      .limit(limit);
  }
}
