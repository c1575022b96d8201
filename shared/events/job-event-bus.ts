// Row-change and cancel notifications over Redis pub/sub. One subscriber connection per process
// fans out to in-memory waiters, so thousands of idle long-polls cost no CPU and no Redis calls.
import type { Redis } from "ioredis";
import { cancelChannel, jobEventsChannel, type JobChangedEvent } from "../jobs.ts";

export interface JobEventBusOptions {
  /** Connection used for PUBLISH. */
  connection: Redis;
  /** BullMQ/genq key prefix; channels live under it. */
  prefix: string;
}

type Listener<T> = (value: T) => void;

export class JobEventBus {
  private subscriber: Redis | undefined;
  private readonly waiters = new Map<string, Set<Listener<JobChangedEvent>>>();
  private readonly cancelListeners = new Set<Listener<string>>();
  private readonly changeListeners = new Set<Listener<JobChangedEvent>>();

  constructor(private readonly options: JobEventBusOptions) {}

  /** Starts the subscriber connection; call once before waiting or listening. */
  async start(): Promise<void> {
    if (this.subscriber) return;
    // Its own connection (a subscribed connection can do nothing else); it queues commands while
    // (re)connecting, so a Redis restart only delays notifications.
    const subscriber = this.options.connection.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    const eventsChannel = jobEventsChannel(this.options.prefix);
    subscriber.on("message", (channel: string, message: string) => {
      if (channel === eventsChannel) this.dispatchChange(message);
      else this.cancelListeners.forEach((listener) => listener(message));
    });
    subscriber.on("error", () => {
      // ioredis reconnects by itself (and resubscribes); see "ready" below.
    });
    // Messages published while the subscriber was reconnecting are lost: wake every waiter once
    // it is back, so each re-reads its row instead of sleeping through a change until timeout.
    let connectedBefore = false;
    subscriber.on("ready", () => {
      if (connectedBefore) for (const set of [...this.waiters.values()]) [...set].forEach((listener) => listener({ id: "", status: "", version: 0 }));
      connectedBefore = true;
    });
    await subscriber.subscribe(eventsChannel, cancelChannel(this.options.prefix));
  }

  async publishChanged(event: JobChangedEvent): Promise<void> {
    await this.options.connection.publish(jobEventsChannel(this.options.prefix), JSON.stringify(event));
  }

  async publishCancel(id: string): Promise<void> {
    await this.options.connection.publish(cancelChannel(this.options.prefix), id);
  }

  onCancel(listener: Listener<string>): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  onChange(listener: Listener<JobChangedEvent>): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Registers a waiter for the next change of `id`. Register BEFORE reading the row, then read,
   * so a change between the read and the wait is never missed. `dispose` removes the waiter.
   */
  waitForChange(id: string, timeoutMs: number): { changed: Promise<boolean>; dispose: () => void } {
    let listener: Listener<JobChangedEvent> = () => {};
    let timer: NodeJS.Timeout | undefined;
    const dispose = () => {
      if (timer) clearTimeout(timer);
      const set = this.waiters.get(id);
      set?.delete(listener);
      if (set && set.size === 0) this.waiters.delete(id);
    };
    const changed = new Promise<boolean>((resolve) => {
      listener = () => {
        dispose();
        resolve(true);
      };
      timer = setTimeout(() => {
        dispose();
        resolve(false);
      }, timeoutMs);
      timer.unref();
    });
    let set = this.waiters.get(id);
    if (!set) this.waiters.set(id, (set = new Set()));
    set.add(listener);
    return { changed, dispose };
  }

  get waiterCount(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) subscriber.disconnect();
  }

  private dispatchChange(message: string): void {
    let event: JobChangedEvent;
    try {
      event = JSON.parse(message) as JobChangedEvent;
    } catch {
      return;
    }
    this.changeListeners.forEach((listener) => listener(event));
    const set = this.waiters.get(event.id);
    if (set) [...set].forEach((listener) => listener(event));
  }
}
