// Webhook event names, which job status fires which, and the message id that stays the same
// across retries and redeliveries (Standard Webhooks `webhook-id`).
import type { JobStatus } from "../store/schema/jobs.ts";

export const WEBHOOK_EVENTS = ["job.started", "job.succeeded", "job.failed", "job.canceled", "job.expired"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Without `events`, a webhook hears about the terminal states only. */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEvent[] = ["job.succeeded", "job.failed", "job.canceled", "job.expired"];

export interface WebhookTarget {
  url: string;
  events?: WebhookEvent[];
}

export function eventForStatus(status: JobStatus): WebhookEvent | undefined {
  return status === "running" ? "job.started" : status === "queued" ? undefined : (`job.${status}` as WebhookEvent);
}

export function webhookMessageId(jobId: string, event: WebhookEvent): string {
  return `msg_${jobId}_${event.slice("job.".length)}`;
}

/** The stored `jobs.webhook` JSON, or undefined when absent or unreadable. */
export function parseWebhookTarget(stored: string | null): WebhookTarget | undefined {
  if (!stored) return undefined;
  try {
    const value = JSON.parse(stored) as WebhookTarget;
    return typeof value?.url === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

export function wantsEvent(target: WebhookTarget, event: WebhookEvent): boolean {
  return (target.events ?? DEFAULT_WEBHOOK_EVENTS).includes(event);
}
