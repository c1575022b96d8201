// WebhookDeliveryStore on SQLite (better-sqlite3 + drizzle). Multi-statement steps run in one
// transaction each; state changes are conditional UPDATEs.
import { and, asc, eq, gt, inArray, isNotNull, lt, lte, sql } from "drizzle-orm";
import { jobs, TERMINAL_STATUSES, type JobRow } from "../schema/jobs.ts";
import { webhookAttempts } from "../schema/webhook-attempts.ts";
import { webhookDeliveries, type NewWebhookDeliveryRow, type WebhookDeliveryRow } from "../schema/webhook-deliveries.ts";
import type { AttemptResult, DeliveryWithAttempts, WebhookDeliveryStore } from "../webhook-delivery-store.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

export class SqliteWebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(private readonly db: GenqDatabase) {}

  async insertIfAbsent(row: NewWebhookDeliveryRow): Promise<WebhookDeliveryRow> {
    this.db.insert(webhookDeliveries).values(row).onConflictDoNothing().run();
    return this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, row.id)).get()!;
  }

  async get(id: string): Promise<WebhookDeliveryRow | undefined> {
    return this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
  }

  async listForJob(jobId: string): Promise<DeliveryWithAttempts[]> {
    const rows = this.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.jobId, jobId))
      .orderBy(asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id))
      .all();
    const attempts = this.db.select().from(webhookAttempts).where(eq(webhookAttempts.jobId, jobId)).orderBy(asc(webhookAttempts.id)).all();
    return rows.map((row) => ({ ...row, log: attempts.filter((a) => a.deliveryId === row.id) }));
  }

  async beginAttempt(id: string, nowMs: number): Promise<{ attemptId: number; delivery: WebhookDeliveryRow } | undefined> {
    return this.db.transaction((tx) => {
      const changed = tx
        .update(webhookDeliveries)
        .set({
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          roundAttempts: sql`${webhookDeliveries.roundAttempts} + 1`,
          updatedAt: nowMs,
        })
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")))
        .run().changes;
      if (changed !== 1) return undefined;
      tx.update(webhookAttempts)
        .set({ outcome: "interrupted", error: "the delivering worker stopped mid-attempt" })
        .where(and(eq(webhookAttempts.deliveryId, id), eq(webhookAttempts.outcome, "in_progress")))
        .run();
      const delivery = tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get()!;
      const inserted = tx
        .insert(webhookAttempts)
        .values({ deliveryId: id, jobId: delivery.jobId, attempt: delivery.attempts, startedAt: nowMs, outcome: "in_progress" })
        .returning({ id: webhookAttempts.id })
        .get();
      return { attemptId: inserted.id, delivery };
    });
  }

  async finishAttempt(id: string, attemptId: number, result: AttemptResult, nowMs: number): Promise<boolean> {
    return this.db.transaction((tx) => {
      const changed = tx
        .update(webhookAttempts)
        .set({
          outcome: result.outcome,
          statusCode: result.statusCode,
          latencyMs: result.latencyMs,
          error: result.error,
          nextAttemptAt: result.nextAttemptAt,
        })
        .where(and(eq(webhookAttempts.id, attemptId), eq(webhookAttempts.outcome, "in_progress")))
        .run().changes;
      if (changed !== 1) return false;
      tx.update(webhookDeliveries)
        .set({
          status: result.status,
          lastStatusCode: result.statusCode,
          lastError: result.error,
          nextAttemptAt: result.nextAttemptAt,
          updatedAt: nowMs,
          ...(result.status === "delivered" ? { deliveredAt: nowMs } : {}),
        })
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")))
        .run();
      return true;
    });
  }

  async startRound(id: string, nowMs: number): Promise<WebhookDeliveryRow | undefined> {
    return this.db.transaction((tx) => {
      const row = tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
      if (!row || row.status === "pending") return undefined;
      const round = row.round + 1;
      tx.update(webhookDeliveries)
        .set({ status: "pending", roundAttempts: 0, round, queueJobId: `${id}.r${round}`, nextAttemptAt: nowMs, updatedAt: nowMs })
        .where(eq(webhookDeliveries.id, id))
        .run();
      return tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
    });
  }

  async listOverdue(dueBeforeMs: number, limit: number): Promise<WebhookDeliveryRow[]> {
    return this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, "pending"), lt(webhookDeliveries.nextAttemptAt, dueBeforeMs)))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit)
      .all();
  }

  async abandon(id: string, reason: string, nowMs: number): Promise<void> {
    this.db
      .update(webhookDeliveries)
      .set({ status: "failed", lastError: reason, nextAttemptAt: null, updatedAt: nowMs })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")))
      .run();
  }

  async requeued(id: string, queueJobId: string, nowMs: number): Promise<void> {
    this.db
      .update(webhookDeliveries)
      .set({ queueJobId, nextAttemptAt: nowMs, updatedAt: nowMs })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")))
      .run();
  }


  async listJobsMissingTerminalDelivery(sinceMs: number, untilMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(
        and(
          inArray(jobs.status, [...TERMINAL_STATUSES]),
          gt(jobs.updatedAt, sinceMs),
          lte(jobs.updatedAt, untilMs),
          isNotNull(jobs.webhook),
          sql`(json_extract(${jobs.webhook}, '$.events') is null
               or exists (select 1 from json_each(${jobs.webhook}, '$.events') e where e.value = 'job.' || ${jobs.status}))`,
          // Message ids are msg_<job id>_<status> for terminal events (webhook-events.ts).
          sql`not exists (select 1 from ${webhookDeliveries} d where d.id = 'msg_' || ${jobs.id} || '_' || ${jobs.status})`,
        ),
      )
      .orderBy(jobs.updatedAt)
      .limit(limit)
      .all();
  }
}
