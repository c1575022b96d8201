// Which of this worker's models are loaded: each loads on first demand (a job acquires it), stays
// while jobs run and unloads after its keep-alive once idle; a memory budget unloads the least
// recently used idle models to make room. A model busy with jobs is never unloaded; a job whose
// model cannot fit yet waits. Under contention models take turns: a load serves every job already
// waiting for that model, later ones queue behind the waiting model (no starvation, no thrashing).
import type { Logger } from "../../shared/logger.ts";
import { KEEP_ALIVE_FOREVER } from "../../shared/models/keep-alive.ts";
import { InferenceThreadGoneError } from "../thread/inference-client.ts";
import type { LoadedModelInfo } from "../thread/thread-messages.ts";
import { ResidencyEvents } from "./residency-events.ts";
import { ResidencyWaiters, type Waiter } from "./residency-waiters.ts";

export interface ModelLoader {
  load(model: string): Promise<LoadedModelInfo>;
  unload(model: string): Promise<void>;
}

export interface ModelResidencyOptions {
  /** The models this worker serves, with their footprint before the first load (model-footprint.ts). */
  models: Array<{ name: string; estimatedBytes: number }>;
  loader: ModelLoader;
  /** GENQ_MODEL_KEEP_ALIVE: idle time before unloading, when the last job gave none; -1 = never. */
  keepAliveMs: number;
  /** GENQ_MODEL_MEMORY_BUDGET; null = no limit. A model larger than the budget still loads when nothing else is resident. */
  memoryBudgetBytes: number | null;
  logger: Logger;
  now?: () => number;
}

type InternalState = "unloaded" | "loading" | "loaded" | "unloading";

/** One model's residency in this worker, as published in the heartbeat. */
export interface ModelResidencySnapshot {
  model: string;
  /** "unloading" counts as loaded: its memory is held until the session is released. */
  state: "loaded" | "loading" | "unloaded";
  /** While loaded: weights + KV budget (model-footprint.ts); 0 otherwise. */
  residentBytes: number;
  /** Epoch ms a job last started or finished on it; null if never used. */
  lastUsedAtMs: number | null;
  /** Duration of its last load, seconds; null if never loaded. */
  loadSeconds: number | null;
  /** Jobs holding it now. */
  activeJobs: number;
}

/** Thrown to acquirers when the worker shuts down: the job goes back to the queue. */
export class ResidencyClosedError extends Error {
  override name = "ResidencyClosedError";
}

interface ModelSlot {
  name: string;
  state: InternalState;
  bytes: number;
  active: number;
  lastUsedAtMs: number | null;
  loadSeconds: number | null;
  /** The keep-alive the last finished job asked for (its `keep_alive`, else the default). */
  keepAliveMs: number;
  /** An admin unload arrived while it was busy: unload as soon as it is idle. */
  unloadWhenIdle: boolean;
  /** Waiters that arrived before its load finished (seq below this) join its turn even under contention. */
  admitBeforeSeq: number;
  idleTimer?: NodeJS.Timeout;
}

/** Releases one acquisition; `keepAliveMs` (the job's keep_alive) sets how long it stays once idle. */
export type ModelLease = (keepAliveMs?: number) => void;

export class ModelResidency {
  readonly events = new ResidencyEvents();
  private readonly slots = new Map<string, ModelSlot>();
  private readonly waiters = new ResidencyWaiters();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: ModelResidencyOptions) {
    this.now = options.now ?? Date.now;
    for (const { name, estimatedBytes } of options.models) {
      this.slots.set(name, { name, state: "unloaded", bytes: estimatedBytes, active: 0, lastUsedAtMs: null, loadSeconds: null, keepAliveMs: options.keepAliveMs, unloadWhenIdle: false, admitBeforeSeq: 0 });
    }
  }

  /** Resolves once the model is loaded and held for one job; rejects if it cannot be loaded or the worker closes. */
  acquire(model: string): Promise<ModelLease> {
    if (this.closed) return Promise.reject(new ResidencyClosedError("the worker is shutting down"));
    if (!this.slots.has(model)) return Promise.reject(new Error(`model "${model}" is not served by this worker`));
    return new Promise<ModelLease>((resolve, reject) => {
      this.waiters.add({ model, kind: "job", resolve: () => resolve(this.leaseFor(model, true)), reject });
      this.pump();
    });
  }

  /** Admin load: loads it (evicting idle models if the budget needs) and keeps it for the default keep-alive. */
  load(model: string): void {
    this.hold(model, "admin");
  }

  /** Prewarm: loads it only if it fits without unloading anything and is not loaded or loading already. */
  prewarm(model: string): void {
    const slot = this.slots.get(model);
    if (!slot || slot.state !== "unloaded" || this.waiters.has(model) || this.roomFor(slot) !== "fits") return;
    this.hold(model, "prewarm");
  }

  /** Admin unload: at once when idle, else as soon as its running jobs finish. */
  unload(model: string): void {
    const slot = this.slots.get(model);
    if (!slot) return;
    this.waiters.dropHolds(model);
    if (slot.state === "loaded" && slot.active === 0) this.startUnload(slot, "admin");
    else if (slot.state === "loaded" || slot.state === "loading") slot.unloadWhenIdle = true;
  }

  snapshot(): ModelResidencySnapshot[] {
    return [...this.slots.values()].map((s) => {
      const resident = s.state === "loaded" || s.state === "unloading";
      return {
        model: s.name,
        state: resident ? "loaded" : s.state === "loading" ? "loading" : "unloaded",
        residentBytes: resident ? s.bytes : 0,
        lastUsedAtMs: s.lastUsedAtMs,
        loadSeconds: s.loadSeconds,
        activeJobs: s.active,
      };
    });
  }

  /** Stops loading and refuses waiting jobs (they go back to the queue); the thread releases sessions itself. */
  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) clearTimeout(slot.idleTimer);
    this.waiters.rejectAll(new ResidencyClosedError("the worker is shutting down"));
  }

  private hold(model: string, kind: "admin" | "prewarm"): void {
    if (this.closed || !this.slots.has(model)) return;
    const slot = this.slots.get(model)!;
    slot.unloadWhenIdle = false;
    // Released on the next microtask, outside pump(): the hold only has to see the model loaded.
    this.waiters.add({ model, kind, resolve: () => queueMicrotask(() => this.leaseFor(model, false)()), reject: () => {} });
    this.pump();
  }

  /** `job`: a job used it (last use, LRU order); admin loads and prewarms are not uses. */
  private leaseFor(model: string, job: boolean): ModelLease {
    let released = false;
    return (keepAliveMs) => {
      if (released) return;
      released = true;
      this.release(model, keepAliveMs ?? this.options.keepAliveMs, job);
    };
  }

  private release(model: string, keepAliveMs: number, job: boolean): void {
    const slot = this.slots.get(model)!;
    slot.active--;
    if (job) slot.lastUsedAtMs = this.now();
    slot.keepAliveMs = keepAliveMs;
    if (slot.active === 0) this.idle(slot);
    this.events.changed();
    this.pump();
  }

  /** The model just went idle: unload now, after its keep-alive, or never. */
  private idle(slot: ModelSlot): void {
    if (this.closed || slot.state !== "loaded") return;
    clearTimeout(slot.idleTimer);
    if (this.waiters.has(slot.name)) return;
    if (slot.unloadWhenIdle) return this.startUnload(slot, "admin");
    if (slot.keepAliveMs === KEEP_ALIVE_FOREVER) return;
    if (slot.keepAliveMs === 0) return this.startUnload(slot, "keep-alive");
    slot.idleTimer = setTimeout(() => {
      if (slot.state === "loaded" && slot.active === 0 && !this.waiters.has(slot.name)) this.startUnload(slot, "keep-alive");
    }, slot.keepAliveMs);
    slot.idleTimer.unref();
  }

  /**
   * Grants waiters in arrival order. A waiter whose model is loaded is granted unless an earlier one
   * waits for room and it arrived after its model's load (then it queues behind, so the resident
   * model drains and the budget can turn over).
   */
  private pump(): void {
    if (this.closed) return;
    let waitingForRoom = false;
    for (const waiter of this.waiters.list()) {
      const slot = this.slots.get(waiter.model)!;
      if (slot.state === "loaded" && (!waitingForRoom || (waiter.seq ?? 0) < slot.admitBeforeSeq)) this.grant(slot, waiter);
      else if (slot.state === "unloaded" && !waitingForRoom) {
        const room = this.roomFor(slot);
        if (room === "fits") this.startLoad(slot);
        else {
          if (room === "evict") this.evictFor(slot);
          waitingForRoom = true;
        }
      } else if (slot.state === "unloading") waitingForRoom = true;
    }
  }

  private grant(slot: ModelSlot, waiter: Waiter): void {
    this.waiters.remove(waiter);
    clearTimeout(slot.idleTimer);
    slot.active++;
    if (waiter.kind === "job") slot.lastUsedAtMs = this.now();
    waiter.resolve();
  }

  private residentBytes(): number {
    let sum = 0;
    for (const s of this.slots.values()) if (s.state !== "unloaded") sum += s.bytes;
    return sum;
  }

  /** "fits" now; "evict": idle models can make room; "wait": only busy models could. */
  private roomFor(slot: ModelSlot): "fits" | "evict" | "wait" {
    const budget = this.options.memoryBudgetBytes;
    const used = this.residentBytes();
    if (budget === null || used === 0 || used + slot.bytes <= budget) return "fits";
    return this.victimsFor(slot, budget, used) ? "evict" : "wait";
  }

  /** Idle loaded models, least recently used first, enough to fit `slot`; undefined if they are not enough. */
  private victimsFor(slot: ModelSlot, budget: number, used: number): ModelSlot[] | undefined {
    const idle = [...this.slots.values()]
      .filter((s) => s.state === "loaded" && s.active === 0 && s !== slot)
      .sort((a, b) => (a.lastUsedAtMs ?? 0) - (b.lastUsedAtMs ?? 0));
    const victims: ModelSlot[] = [];
    let freed = 0;
    for (const s of idle) {
      if (used - freed + slot.bytes <= budget) break;
      victims.push(s);
      freed += s.bytes;
    }
    const enough = used - freed + slot.bytes <= budget || used - freed === 0;
    return enough ? victims : undefined;
  }

  private evictFor(slot: ModelSlot): void {
    const victims = this.victimsFor(slot, this.options.memoryBudgetBytes ?? Infinity, this.residentBytes()) ?? [];
    for (const victim of victims) this.startUnload(victim, "memory budget");
  }

  private startLoad(slot: ModelSlot): void {
    slot.state = "loading";
    this.events.changed();
    this.options.logger.info("loading model", { model: slot.name });
    this.options.loader.load(slot.name).then(
      (info) => {
        slot.state = "loaded";
        slot.admitBeforeSeq = this.waiters.nextSeq;
        slot.bytes = info.residentBytes;
        slot.loadSeconds = info.loadMs / 1000;
        this.options.logger.info("model loaded", { model: slot.name, loadSeconds: slot.loadSeconds, residentBytes: slot.bytes, selfCheck: info.selfCheck });
        this.events.loaded({ model: slot.name, loadSeconds: slot.loadSeconds, residentBytes: slot.bytes });
        this.pump();
        if (slot.active === 0) this.idle(slot);
      },
      (error: Error) => {
        slot.state = "unloaded";
        this.options.logger.error("model failed to load", { model: slot.name, error });
        // A dead thread is the worker's crash, never the job's fault (invariant 7): hand the jobs back.
        const gone = error instanceof InferenceThreadGoneError;
        this.waiters.rejectModel(slot.name, gone ? new ResidencyClosedError(error.message) : new Error(`model "${slot.name}" could not be loaded: ${error.message}`));
        this.events.changed();
        this.pump();
      },
    );
  }

  private startUnload(slot: ModelSlot, reason: string): void {
    clearTimeout(slot.idleTimer);
    slot.state = "unloading";
    slot.unloadWhenIdle = false;
    this.options.loader.unload(slot.name).then(
      () => this.unloaded(slot, reason),
      () => this.unloaded(slot, reason),
    );
  }

  private unloaded(slot: ModelSlot, reason: string): void {
    slot.state = "unloaded";
    this.options.logger.info("model unloaded", { model: slot.name, reason });
    this.events.unloaded({ model: slot.name, reason });
    this.pump();
  }
}
