// WebhookDeliveryStore on PostgreSQL. Multi-statement steps run in one transaction each; state
// changes are conditional UPDATEs, and a redelivery locks its row (FOR UPDATE) before deciding.
import { asc, eq, sql } from "drizzle-orm";
import type { JobRow } from "../schema/jobs.ts";
import { jobs } from "../schema/postgres/jobs.ts";
import { webhookAttempts } from "../schema/postgres/webhook-attempts.ts";
import { webhookDeliveries } from "../schema/postgres/webhook-deliveries.ts";
import type { NewWebhookDeliveryRow, WebhookDeliveryRow } from "../schema/webhook-deliveries.ts";
import type { AttemptResult, DeliveryWithAttempts, WebhookDeliveryStore } from "../webhook-delivery-store.ts";
import { first } from "./first-row.ts";
import type { GenqPgDatabase } from "./postgres-database.ts";
import { webhookDeliverySql as W } from "../webhook-delivery-sql.ts";

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
      const count = W.countAttempt(webhookDeliveries, id, nowMs);
      const [delivery] = await tx.update(webhookDeliveries).set(count.set).where(count.where).returning();
      if (!delivery) return undefined;
      const interrupt = W.interruptAttempts(webhookAttempts, id);
      await tx.update(webhookAttempts).set(interrupt.set).where(interrupt.where);
      const [inserted] = await tx
        .insert(webhookAttempts)
        .values({ deliveryId: id, jobId: delivery.jobId, attempt: delivery.attempts, startedAt: nowMs, outcome: "in_progress" })
        .returning({ id: webhookAttempts.id });
      return { attemptId: inserted.id, delivery };
    });
  }

  async finishAttempt(id: string, attemptId: number, result: AttemptResult, nowMs: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const attempt = W.finishAttempt(webhookAttempts, attemptId, result);
      const changed = await tx.update(webhookAttempts).set(attempt.set).where(attempt.where).returning({ id: webhookAttempts.id });
      if (changed.length !== 1) return false;
      const settle = W.settle(webhookDeliveries, id, result, nowMs);
      await tx.update(webhookDeliveries).set(settle.set).where(settle.where);
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
      .where(W.overdue(webhookDeliveries, dueBeforeMs))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit);
  }

  async abandon(id: string, reason: string, nowMs: number): Promise<void> {
    const { set, where } = W.abandon(webhookDeliveries, id, reason, nowMs);
    await this.db.update(webhookDeliveries).set(set).where(where);
  }

  async requeued(id: string, queueJobId: string, nowMs: number): Promise<void> {
    const { set, where } = W.requeued(webhookDeliveries, id, queueJobId, nowMs);
    await this.db.update(webhookDeliveries).set(set).where(where);
  }

  async listJobsMissingTerminalDelivery(sinceMs: number, untilMs: number, limit: number): Promise<JobRow[]> {
    const events = sql`(${jobs.webhook}::jsonb -> 'events')`;
    // No `events` (or JSON null): every event; an array contains its string elements (@>).
    const subscribed = sql`(coalesce(jsonb_typeof(${events}), 'null') = 'null' or ${events} @> to_jsonb('job.' || ${jobs.status}))`;
    return this.db
      .select()
      .from(jobs)
      .where(W.missingTerminalDelivery(jobs, webhookDeliveries, sinceMs, untilMs, subscribed))
      .orderBy(jobs.updatedAt)
      .limit(limit);
  }
}
