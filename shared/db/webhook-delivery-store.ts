// Reads and writes of webhook deliveries and their attempt log. State changes are conditional
// UPDATEs (only a `pending` delivery is attempted), so duplicate BullMQ runs stay harmless.
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { GenqDatabase } from "./client.ts";
import { webhookAttempts, type WebhookAttemptOutcome, type WebhookAttemptRow } from "./schema/webhook-attempts.ts";
import {
  webhookDeliveries,
  type NewWebhookDeliveryRow,
  type WebhookDeliveryRow,
  type WebhookDeliveryStatus,
} from "./schema/webhook-deliveries.ts";

export interface AttemptResult {
  outcome: Exclude<WebhookAttemptOutcome, "in_progress" | "interrupted">;
  /** The delivery's state afterwards. */
  status: WebhookDeliveryStatus;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  nextAttemptAt: number | null;
}

export interface DeliveryWithAttempts extends WebhookDeliveryRow {
  log: WebhookAttemptRow[];
}

export class WebhookDeliveryStore {
  constructor(private readonly db: GenqDatabase) {}

  /** True when inserted; false when this message already exists (dispatch is idempotent). */
  insertIfAbsent(row: NewWebhookDeliveryRow): boolean {
    return this.db.insert(webhookDeliveries).values(row).onConflictDoNothing().run().changes === 1;
  }

  get(id: string): WebhookDeliveryRow | undefined {
    return this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
  }

  listForJob(jobId: string): DeliveryWithAttempts[] {
    const rows = this.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.jobId, jobId))
      .orderBy(asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id))
      .all();
    const attempts = this.db.select().from(webhookAttempts).where(eq(webhookAttempts.jobId, jobId)).orderBy(asc(webhookAttempts.id)).all();
    return rows.map((row) => ({ ...row, log: attempts.filter((a) => a.deliveryId === row.id) }));
  }

  /**
   * Counts an attempt and logs it as in progress; undefined when the delivery is not pending (a
   * duplicate run). An earlier attempt still `in_progress` was cut short by a crash.
   */
  beginAttempt(id: string, nowMs: number): { attemptId: number; delivery: WebhookDeliveryRow } | undefined {
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

  /** False when the attempt was already written off as interrupted (its worker had lost the job). */
  finishAttempt(id: string, attemptId: number, result: AttemptResult, nowMs: number): boolean {
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

  /** A delivery whose job or data vanished: closed without an attempt. */
  abandon(id: string, reason: string, nowMs: number): void {
    this.db
      .update(webhookDeliveries)
      .set({ status: "failed", lastError: reason, nextAttemptAt: null, updatedAt: nowMs })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")))
      .run();
  }

  /**
   * Redelivery: a finished delivery becomes pending again with a fresh schedule and BullMQ job,
   * unless it is pending already or has had `maxRounds` redeliveries (checked in the same
   * transaction, so concurrent calls cannot overshoot).
   */
  startRound(id: string, nowMs: number, maxRounds: number): WebhookDeliveryRow | undefined {
    return this.db.transaction((tx) => {
      const row = tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
      if (!row || row.status === "pending" || row.round >= maxRounds) return undefined;
      const round = row.round + 1;
      tx.update(webhookDeliveries)
        .set({ status: "pending", roundAttempts: 0, round, queueJobId: `${id}.r${round}`, nextAttemptAt: nowMs, updatedAt: nowMs })
        .where(eq(webhookDeliveries.id, id))
        .run();
      return tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
    });
  }

  /** Pending deliveries whose next attempt is overdue: candidates for the reconciler. */
  listOverdue(dueBeforeMs: number, limit: number): WebhookDeliveryRow[] {
    return this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, "pending"), lt(webhookDeliveries.nextAttemptAt, dueBeforeMs)))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit)
      .all();
  }

  /** Points the delivery at a replacement BullMQ job (the old one was lost with Redis). */
  requeued(id: string, queueJobId: string, nowMs: number): void {
    this.db
      .update(webhookDeliveries)
      .set({ queueJobId, nextAttemptAt: nowMs, updatedAt: nowMs })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")))
      .run();
  }

  /** Which of these message ids exist. */
  existing(ids: string[]): Set<string> {
    if (ids.length === 0) return new Set();
    const rows = this.db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids)).all();
    return new Set(rows.map((r) => r.id));
  }
}
