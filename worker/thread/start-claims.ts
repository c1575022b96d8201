// Who decides first whether a submitted job starts: the engine admitting it, or the main thread
// withdrawing it for more urgent work. One Int32 slot per in-flight request in a SharedArrayBuffer,
// settled by compare-and-swap, so a withdrawal is answered at once instead of after the forward pass
// the inference thread is blocked in (session.run). A request without a slot (all in use) is
// withdrawn the slow way: by message, answered between steps.

/** Slot states. FREE: unused; PENDING: submitted, not started; then STARTED or WITHDRAWN, for good. */
const FREE = 0;
const PENDING = 1;
const STARTED = 2;
const WITHDRAWN = 3;

/** Slots per thread: far more than a worker holds (max batch + lookahead); the rest go without. */
export const START_CLAIM_SLOTS = 1024;

/** The main thread's side: hands out slots and withdraws. */
export class StartClaimsOwner {
  readonly buffer = new SharedArrayBuffer(START_CLAIM_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  private readonly states = new Int32Array(this.buffer);
  private readonly free: number[] = Array.from({ length: START_CLAIM_SLOTS }, (_, i) => START_CLAIM_SLOTS - 1 - i);

  /** A slot for a new request (PENDING), or undefined when all are in use. */
  take(): number | undefined {
    const slot = this.free.pop();
    if (slot !== undefined) Atomics.store(this.states, slot, PENDING);
    return slot;
  }

  /** True when the request had not started and now never will. */
  withdraw(slot: number): boolean {
    return Atomics.compareExchange(this.states, slot, PENDING, WITHDRAWN) === PENDING;
  }

  /** Once the thread has let go of the request (its last message about it arrived). */
  release(slot: number): void {
    Atomics.store(this.states, slot, FREE);
    this.free.push(slot);
  }
}

/** The inference thread's side: claims the start of a request at its first admission. */
export class StartClaims {
  private readonly states: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.states = new Int32Array(buffer);
  }

  /** False when the main thread withdrew it first: the engine must drop it unstarted. */
  claimStart(slot: number): boolean {
    const before = Atomics.compareExchange(this.states, slot, PENDING, STARTED);
    return before === PENDING || before === STARTED;
  }
}
