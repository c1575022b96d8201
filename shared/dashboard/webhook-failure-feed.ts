// The latest failed webhook attempts, for the dashboard: a capped Redis list (newest first) that
// workers push to when an attempt fails. A live view, not a record: the store's delivery log
// (GET /v1/jobs/:id/webhooks) stays the source of truth.
import type { Redis } from "ioredis";

export interface WebhookFailure {
  deliveryId: string;
  jobId: string;
  tenantId: string;
  event: string;
  url: string;
  /** What happened: `retrying` (another attempt is scheduled), `failed` (gave up), `rejected` (SSRF guard), `disabled` (410). */
  outcome: string;
  /** HTTP status or transport error of the attempt. */
  error: string;
  attempts: number;
  atMs: number;
}

/** How many failures the feed keeps. */
const KEEP = 200;

export class WebhookFailureFeed {
  private readonly key: string;

  constructor(
    private readonly connection: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:dashboard:webhook-failures`;
  }

  async push(failure: WebhookFailure): Promise<void> {
    await this.connection.multi().lpush(this.key, JSON.stringify(failure)).ltrim(this.key, 0, KEEP - 1).exec();
  }

  /** Newest first; `tenantId` null = every tenant's. */
  async recent(tenantId: string | null, limit: number): Promise<WebhookFailure[]> {
    const all = (await this.connection.lrange(this.key, 0, KEEP - 1)).map((json) => JSON.parse(json) as WebhookFailure);
    return all.filter((f) => tenantId === null || f.tenantId === tenantId).slice(0, limit);
  }
}
