// Admin model commands (load / unload) from the API to every worker, over Redis pub/sub under the
// queue prefix. Fire-and-forget like cancels: workers that serve the model act, others ignore it;
// the result shows in the published residency states (GET /v1/models).
import type { Redis } from "ioredis";

export interface ModelCommand {
  action: "load" | "unload";
  model: string;
}

export class ModelCommandBus {
  private subscriber: Redis | undefined;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  /** Resolves with how many worker processes listen (0: no worker will act on it now). */
  async publish(command: ModelCommand): Promise<number> {
    return await this.connection.publish(this.channel(), JSON.stringify(command));
  }

  /** Starts a subscriber connection (workers only); resolves once subscribed. */
  async listen(listener: (command: ModelCommand) => void): Promise<void> {
    const subscriber = this.connection.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    subscriber.on("error", () => {
      // ioredis reconnects and resubscribes by itself; a command sent meanwhile is lost (the admin resends).
    });
    subscriber.on("message", (_channel: string, message: string) => {
      try {
        const command = JSON.parse(message) as ModelCommand;
        if ((command.action === "load" || command.action === "unload") && typeof command.model === "string") listener(command);
      } catch {
        // Not ours: ignore.
      }
    });
    await subscriber.subscribe(this.channel());
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private channel(): string {
    return `${this.prefix}:model-commands`;
  }
}
