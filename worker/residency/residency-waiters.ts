// The line of acquisitions waiting for a model, in arrival order: jobs (a promise each) and the
// holds of admin loads and prewarms (released as soon as granted).
export interface Waiter {
  model: string;
  /** "job": a job needs it; "admin" / "prewarm": load it, then let the keep-alive run. */
  kind: "job" | "admin" | "prewarm";
  resolve: () => void;
  reject: (error: Error) => void;
  /** Arrival order, set by add(). */
  seq?: number;
}

export class ResidencyWaiters {
  private waiters: Waiter[] = [];
  /** The seq the next waiter gets: waiters with a lower one arrived before now. */
  nextSeq = 0;

  add(waiter: Waiter): void {
    waiter.seq = this.nextSeq++;
    this.waiters.push(waiter);
  }

  remove(waiter: Waiter): void {
    this.waiters = this.waiters.filter((w) => w !== waiter);
  }

  /** A copy, safe to iterate while granting. */
  list(): Waiter[] {
    return [...this.waiters];
  }

  has(model: string): boolean {
    return this.waiters.some((w) => w.model === model);
  }

  /** Drops admin and prewarm holds of a model (an admin unload overrides them); jobs stay. */
  dropHolds(model: string): void {
    this.waiters = this.waiters.filter((w) => w.model !== model || w.kind === "job");
  }

  rejectModel(model: string, error: Error): void {
    const rejected = this.waiters.filter((w) => w.model === model);
    this.waiters = this.waiters.filter((w) => w.model !== model);
    for (const w of rejected) w.reject(error);
  }

  rejectAll(error: Error): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) w.reject(error);
  }
}
