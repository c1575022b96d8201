// Tells a saturated worker at once that a job joined one of its queues (BullMQ's event stream:
// "added" for new jobs, "waiting" for jobs handed back or retried), so the admission lookahead peeks
// for urgent work then rather than at its next poll. One QueueEvents (a blocking connection) per model.
import { QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { queueNameFor } from "../../shared/jobs.ts";
import type { Logger } from "../../shared/logger.ts";

export interface QueueArrivals {
  close(): Promise<void>;
}

export function watchQueueArrivals(options: {
  models: string[];
  connection: Redis;
  prefix: string;
  logger: Logger;
  onArrival(model: string): void;
}): QueueArrivals {
  const watchers = options.models.map((model) => {
    const events = new QueueEvents(queueNameFor(model), { connection: options.connection, prefix: options.prefix });
    events.on("added", () => options.onArrival(model));
    events.on("waiting", () => options.onArrival(model));
    // The poll still finds urgent work while the stream reconnects.
    events.on("error", (error) => options.logger.debug("queue events stream error", { model, error }));
    return events;
  });
  return {
    close: async () => {
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}
