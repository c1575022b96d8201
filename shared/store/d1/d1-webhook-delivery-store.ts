// WebhookDeliveryStore on D1: what the API needs (creating deliveries when a row changes, the
// delivery log, redelivery rounds, the reconciler's queries) as single statements or one batch.
// Attempts are begun and finished only by the webhook delivery worker, which opens its own store
// (SQLite or PostgreSQL), never D1: those two methods refuse with a clear error.
import { and, asc, eq, lt, ne, sql } from "drizzle-orm";
import { jobs, type JobRow } from "../schema/jobs.ts";
import { webhookAttempts } from "../schema/webhook-attempts.ts";
import { webhookDeliveries, type NewWebhookDeliveryRow, type WebhookDeliveryRow } from "../schema/webhook-deliveries.ts";
import type { DeliveryWithAttempts, WebhookDeliveryStore } from "../webhook-delivery-store.ts";
import { sqliteSubscribedToStatus, webhookDeliverySql as W } from "../webhook-delivery-sql.ts";
import type { GenqD1Database } from "./d1-database.ts";

export class D1WebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(private readonly db: GenqD1Database) {}

  async insertIfAbsent(row: NewWebhookDeliveryRow): Promise<WebhookDeliveryRow> {
    const { db } = this;
    const [, stored] = await db.batch([
      db.insert(webhookDeliveries).values(row).onConflictDoNothing(),
      db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, row.id)),
    ]);
    return stored[0];
  }

  async get(id: string): Promise<WebhookDeliveryRow | undefined> {
    return await this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
  }

  async listForJob(jobId: string): Promise<DeliveryWithAttempts[]> {
    const { db } = this;
    const [rows, attempts] = await db.batch([
      db.select().from(webhookDeliveries).where(eq(webhookDeliveries.jobId, jobId)).orderBy(asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id)),
      db.select().from(webhookAttempts).where(eq(webhookAttempts.jobId, jobId)).orderBy(asc(webhookAttempts.id)),
    ]);
    return rows.map((row) => ({ ...row, log: attempts.filter((a) => a.deliveryId === row.id) }));
  }

  async beginAttempt(): Promise<never> {
    throw new Error("webhook attempts are not run on D1: the webhook delivery worker needs a store it opens itself (SQLite or PostgreSQL)");
  }

  async finishAttempt(): Promise<never> {
    throw new Error("webhook attempts are not run on D1: the webhook delivery worker needs a store it opens itself (SQLite or PostgreSQL)");
  }

  async startRound(id: string, nowMs: number, maxRounds: number): Promise<WebhookDeliveryRow | undefined> {
    return await this.db
      .update(webhookDeliveries)
      .set({
        status: "pending",
        roundAttempts: 0,
        round: sql`${webhookDeliveries.round} + 1`,
        queueJobId: sql`${webhookDeliveries.id} || '.r' || (${webhookDeliveries.round} + 1)`,
        nextAttemptAt: nowMs,
        updatedAt: nowMs,
      })
      .where(and(eq(webhookDeliveries.id, id), ne(webhookDeliveries.status, "pending"), lt(webhookDeliveries.round, maxRounds)))
      .returning()
      .get();
  }

  async listOverdue(dueBeforeMs: number, limit: number): Promise<WebhookDeliveryRow[]> {
    return await this.db
      .select()
      .from(webhookDeliveries)
      .where(W.overdue(webhookDeliveries, dueBeforeMs))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit)
      .all();
  }

  async abandon(id: string, reason: string, nowMs: number): Promise<void> {
    const { set, where } = W.abandon(webhookDeliveries, id, reason, nowMs);
    await this.db.update(webhookDeliveries).set(set).where(where).run();
  }

  async requeued(id: string, queueJobId: string, nowMs: number): Promise<void> {
    const { set, where } = W.requeued(webhookDeliveries, id, queueJobId, nowMs);
    await this.db.update(webhookDeliveries).set(set).where(where).run();
  }

  async listJobsMissingTerminalDelivery(sinceMs: number, untilMs: number, limit: number): Promise<JobRow[]> {
    return await this.db
      .select()
      .from(jobs)
      .where(W.missingTerminalDelivery(jobs, webhookDeliveries, sinceMs, untilMs, sqliteSubscribedToStatus(jobs)))
      .orderBy(jobs.updatedAt)
      .limit(limit)
      .all();
  }
}
