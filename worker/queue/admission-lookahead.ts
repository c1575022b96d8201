// Lets urgent queued work reach a saturated worker. The worker takes max batch + lookahead jobs; the
// unstarted ones wait in the engine. While every slot is taken, the best job still in BullMQ is
// peeked when a job is added to the queue (nudge) and every pollMs; if it is more urgent than the
// least urgent unstarted job held here, that unstarted job is withdrawn (returned to the queue) and
// BullMQ hands this worker the urgent one in its place. A withdrawal is usually settled at once
// (thread/start-claims.ts); one that must wait for the engine to answer between forward passes opens
// an extra slot until it is done. Held-but-unstarted jobs stay bounded by the lookahead plus one per
// withdrawal in flight.

/** A nudge's peek runs after the current turn, so the events one stream read delivers lead to one peek. */
const NUDGE_DELAY_MS = 0;

export interface AdmissionLookaheadOptions {
  /** Jobs this worker may take at once (BullMQ concurrency = max batch + lookahead). */
  capacity: number;
  /** How often a saturated worker peeks at the queue without a nudge (default 50 ms: one Redis ZRANGE). */
  pollMs?: number;
  /** BullMQ priority value (lower = more urgent) of the most urgent waiting job of a model, or null. */
  peekBest(model: string): Promise<number | null>;
  /**
   * Asks the engine to hand back an unstarted job; its processor then returns it to the queue. True
   * when it was handed back at once; false when the engine answers later (or started it meanwhile).
   */
  withdraw(id: string): boolean;
  /** Changes how many jobs the model's BullMQ worker takes at once by `delta` (+1 / −1). */
  resize(model: string, delta: number): void;
  onError?(error: unknown): void;
}

interface Held {
  model: string;
  /** The job's BullMQ priority value (lower = more urgent). */
  queuePriority: number;
  started: boolean;
}

export class AdmissionLookahead {
  private readonly held = new Map<string, Held>();
  /** Withdrawals in flight: job id → model whose worker got an extra slot for it. */
  private readonly withdrawing = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private peeking = false;
  /** A nudge's peek is scheduled. */
  private nudged = false;
  /** Jobs returned to the queue to make room for more urgent ones (a counter for metrics). */
  withdrawals = 0;

  constructor(private readonly options: AdmissionLookaheadOptions) {}

  /** A job was taken from BullMQ and handed to the engine. */
  hold(id: string, model: string, queuePriority: number): void {
    this.held.set(id, { model, queuePriority, started: false });
    this.schedule();
  }

  /** The engine started it: it is no longer a candidate for withdrawal. */
  started(id: string): void {
    const entry = this.held.get(id);
    if (entry) entry.started = true;
    // A withdrawal that lost the race (it started first) is over.
    this.endWithdrawal(id);
  }

  /** It left this worker (finished, failed or withdrawn). */
  release(id: string): void {
    this.held.delete(id);
    this.endWithdrawal(id);
    this.schedule();
  }

  /** A job joined the queue: peek now instead of at the next poll (a burst makes one peek). */
  nudge(): void {
    if (!this.saturated || this.nudged) return;
    this.nudged = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nudged = false;
      void this.check().finally(() => this.schedule());
    }, NUDGE_DELAY_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private get saturated(): boolean {
    return this.held.size >= this.options.capacity + this.withdrawing.size;
  }

  private endWithdrawal(id: string): void {
    const model = this.withdrawing.get(id);
    if (model === undefined) return;
    this.withdrawing.delete(id);
    this.options.resize(model, -1);
  }

  private schedule(): void {
    if (this.timer || !this.saturated) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check().finally(() => this.schedule());
    }, this.options.pollMs ?? 50);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.peeking || !this.saturated || this.withdrawing.size > 0) return;
    this.peeking = true;
    try {
      const models = new Set([...this.held.values()].filter((h) => !h.started).map((h) => h.model));
      for (const model of models) {
        const best = await this.options.peekBest(model);
        if (best === null) continue;
        const victim = this.leastUrgentUnstarted(model);
        if (victim && best < victim.queuePriority) {
          this.withdrawals++;
          // Handed back at once: its processor returns the job, and BullMQ fills the freed slot with
          // the most urgent waiting job. Otherwise the engine (busy in a forward pass) answers later:
          // an extra slot meanwhile, so the urgent job need not wait for that answer.
          if (this.options.withdraw(victim.id)) return;
          this.withdrawing.set(victim.id, model);
          this.options.resize(model, +1);
          return;
        }
      }
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.peeking = false;
    }
  }

  private leastUrgentUnstarted(model: string): { id: string; queuePriority: number } | null {
    let worst: { id: string; queuePriority: number } | null = null;
    for (const [id, h] of this.held) {
      if (h.started || h.model !== model) continue;
      if (!worst || h.queuePriority >= worst.queuePriority) worst = { id, queuePriority: h.queuePriority };
    }
    return worst;
  }
}
